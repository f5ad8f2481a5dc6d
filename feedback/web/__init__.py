"""Blueprints for people using a browser."""
