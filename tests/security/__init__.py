"""The security suite (issue 11, "Security matrix"): who may do what to whose object
(``test_matrix.py`` over the table in ``matrix.py``), object properties and reads
(``test_object_properties.py``), tokens (``test_jwt.py``), rate limits
(``test_throttles.py``) and input limits on every domain (``test_input_limits.py``).
Every refusal is checked to change nothing in any table (``conftest.fingerprint``)."""
