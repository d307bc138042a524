"""Tests of the gateway concern."""
