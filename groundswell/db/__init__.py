"""Database plumbing shared by every app: raw bulk inserts and prepared SQL (Django-free callers see only these functions)."""
