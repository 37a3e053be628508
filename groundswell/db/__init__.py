"""Database plumbing shared by every app: raw bulk inserts (`bulk`) and prepared SQL (`sql`)."""
