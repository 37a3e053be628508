"""The doorstep app: an installable, offline-first web app for canvassers, and its JSON API."""
