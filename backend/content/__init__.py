"""Public content: articles, the integrity code, cases, quizzes, campaign dates."""
