"""Phonebank pages: `caller` for a volunteer on the phone (the join page, the call page and its JSON API) and
`organiser` for those who run campaigns (settings, the call list, script, sessions, dashboard, export)."""
