"""Movies endpoints: thin; they validate, call a selector or service, and shape output.

``catalog`` (movies, genres, trending, search), ``library`` (the user's ratings,
favorites and preferences), ``recommendations`` (the user's recommendations and the
model, for staff); ``_common`` holds the responses and checks they share.
"""
