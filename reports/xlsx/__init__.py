"""reports/xlsx"""
