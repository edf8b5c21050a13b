"""One module per page: its GraphQL documents, and the plain rows it turns the answer into."""
