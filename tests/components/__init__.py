"""Tests of the components concern."""
