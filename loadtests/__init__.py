"""Locust side of wfload: users, tracking, contexts, recorder, and the embedded simulator."""
