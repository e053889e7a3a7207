"""Patent records as the API reads them."""
