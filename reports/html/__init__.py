"""reports/html"""
