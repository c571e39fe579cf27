"""The izuma_dm connector and simulator."""
