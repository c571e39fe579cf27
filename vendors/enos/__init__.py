"""The enos connector and simulator."""
