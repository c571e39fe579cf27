"""Project-wide services shared by the dashboard and the API (personal API tokens)."""
