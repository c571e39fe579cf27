"""Samsung Knox E-FOTA: the connector, its endpoint table, status mapping and request rules, and the simulator."""
