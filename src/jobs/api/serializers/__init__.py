"""The job board's REST serializers, a module per resource: companies, postings,
applications and saved searches (``_common`` holds what they share). Component names
in the OpenAPI schema are these class names."""
