"""The credit office's web console (信用办工作台): server-rendered pages under ``/console`` on
the same services as the API, signed in by cookie session with CSRF protection on every form."""
