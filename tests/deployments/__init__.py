"""Tests of the deployments concern."""
