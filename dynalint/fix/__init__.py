"""`dynalint fix`: move per-request boto3 creations onto a generated, cached helper module."""
