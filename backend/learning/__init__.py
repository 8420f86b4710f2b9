"""Learning (信用知识与诚信教育): articles, the integrity code, typical cases, quizzes that earn
badges (never points) and campaign dates; read by the public, answered by citizens."""
