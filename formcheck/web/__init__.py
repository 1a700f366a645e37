"""The formcheck web app (Django): coaches, athletes, uploads, review, notes, share links.

Importing this package does nothing; Django loads it through
``DJANGO_SETTINGS_MODULE=formcheck.web.settings``.
"""
