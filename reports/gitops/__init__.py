"""reports/gitops"""
