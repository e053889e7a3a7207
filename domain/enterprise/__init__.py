"""Enterprise records as the API reads them."""
