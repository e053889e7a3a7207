"""Data authorisations (数据授权): granting and revoking consents, the gate every pull of outside
data goes through, and the data-access log the enterprise reads."""
