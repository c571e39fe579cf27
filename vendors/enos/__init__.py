"""EnOS Connection Service OTA API v2.1: the connector, its endpoint table and status words, and the simulator."""
