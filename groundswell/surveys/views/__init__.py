"""Survey pages: `organiser` (the builder, invitations, discussions, results, exports; signed in) and `public`
(what respondents see: the public and personal links, no login). urls.py maps each page to its view."""
