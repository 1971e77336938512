"""Recording S2S support offers (blueprint `offers`)."""
