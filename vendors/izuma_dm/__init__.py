"""Izuma (Pelion) Device Management, kind ``izuma_dm``: connector, endpoint table, status words and simulator."""
