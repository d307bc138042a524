"""Tests of the bad input concern."""
