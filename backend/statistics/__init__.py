"""The statistics the credit office reports upward (统计): records by month, domain, severity and
department; the grade distribution and its change; case handling per department (政务诚信); list
entries and exits; notifications delivered and failed; merchant verifications by benefit; the
on-time rates of reporting, case handling and feedback per body (政务诚信); records by key
occupational group. As JSON for any dashboard, and as SVG charts for the console. Read-only: it
writes nothing."""
