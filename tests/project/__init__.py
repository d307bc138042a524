"""Tests of the project concern."""
