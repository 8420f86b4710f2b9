"""Reports of dishonest behaviour (举报): the third kind of case. A citizen reports a person or an
organisation; the department competent for the domain accepts and decides within working days;
the reporter's identity is sealed and seen only by officers with the ``reports`` role."""
