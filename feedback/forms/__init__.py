"""Flask-WTF forms and their validators. Forms never query the database."""
