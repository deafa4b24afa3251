"""facilitate: a real-time facilitation companion for workshops in health and care.

This module stays empty on purpose: `facilitate serve` must monkey-patch eventlet before Flask,
SQLAlchemy or psycopg are imported, and importing the package must not import them.
"""
