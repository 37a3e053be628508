"""Polling-day pages, one module per part of the day: set-up (days, stations, rooms), the live board, telling,
knock-up and the review of flagged numbers. Thin views: rules live in the app's modules one level up."""
