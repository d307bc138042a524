"""Tests of the network concern."""
