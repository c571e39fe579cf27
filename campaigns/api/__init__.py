"""REST API of the campaigns app: drafts, plan, lifecycle actions, progress, assignments (and their CSV), events."""
