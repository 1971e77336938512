"""The S2S screener's morning list (blueprint `screening`)."""
