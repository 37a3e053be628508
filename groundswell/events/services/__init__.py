"""Things that change events, one module per part (callers import the module that holds the function):

- `lifecycle`: create, propose and moderate, repeat, cancel an event;
- `rsvps`: RSVPs, the waiting list, check-in, walk-ins, no-shows and a host's message to the people coming;
- `reminders`: delivering the 24 h and 2 h reminders once each (queuing them is `events.tasks`);
- `meetups`: meetup follow-ups, signing up people on file, phonebank sessions published as events.
"""
