"""Platform console pages of billing (a face: tests/test_architecture.py counts `*.dashboard`
apart from the domain modules, so these pages may import apps.platform's access checks while
billing's services never import the platform)."""
