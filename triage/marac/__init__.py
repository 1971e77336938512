"""MARAC meetings and agendas for the coordinator (blueprint `marac`)."""
