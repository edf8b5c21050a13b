"""BKD personnel (kepegawaian): the SIMPEG application, wrapped."""
