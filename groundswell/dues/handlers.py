"""Placeholder until the payments app is merged: the listener for payment notices registers here."""
