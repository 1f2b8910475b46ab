"""Movies tables. Users are referenced through settings.AUTH_USER_MODEL."""
