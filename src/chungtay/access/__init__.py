"""Who may see and change what: the access rules every query and check of user-visible data reads.

It stands above the data it filters (the map, the schools, the twinnings and partnerships) and below
every service, selector and page that uses it (docs/architecture.md). `roles` holds the role
predicates, each written once; `scopes` resolves a user's scope once into a `Scope` and answers the
visibility questions from it."""
