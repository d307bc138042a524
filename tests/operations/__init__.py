"""Tests of the operations concern."""
