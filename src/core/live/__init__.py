"""Live: topics that writers publish to after commit (``topics``), and the Server-Sent
Events that stream a topic's latest state to many listeners (``sse``), on one process
or many."""
