"""Tests of the config concern."""
