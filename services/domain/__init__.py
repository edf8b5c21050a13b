"""Domain data every service shares (the regency's reference data); no infrastructure."""
