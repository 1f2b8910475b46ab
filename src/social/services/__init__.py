"""Every social write. GraphQL mutations, REST views, the admin, tasks and the demo
seed all come through here.

Counters (likes, comments, shares, followers) change with ``F()`` updates in the
same transaction as the row they count, and only when that row was really added
or removed, so repeated or concurrent likes keep them exact. Feed maintenance and
notifications happen after commit (``enqueue_on_commit``).

``accounts`` (accounts and profiles), ``posts`` (posts, likes, shares, comments),
``relationships`` (follow, block, mute), ``fanout`` (feed fan-out called by tasks,
collapsed notifications); ``_common`` holds the input checks they share.
"""
