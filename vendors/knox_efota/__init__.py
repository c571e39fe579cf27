"""The knox_efota connector and simulator."""
