// The operator's console; by the key's role, also a provider's listings (tonight's beds,
// verify), the analyst's unmet-need report, and for an administrator's key the vetting of
// organizations and the keys (with the match form and the report). Plain JavaScript, no
// build step, no third party.
//
// Privacy: the need profile lives in the form and in one request to /v1/match, nowhere else.
// Nothing is logged, nothing goes to localStorage or cookies; sessionStorage holds the API key
// and the interface language only, and dies with the tab. "Clear" wipes form and results.
"use strict";

(() => {
  const KEY_STORE = "referral-console.key";
  const LANGUAGE_STORE = "referral-console.language";
  // When the server calls a bed count or a listing stale: its settings, read from
  // GET /v1/me at sign-in (REFERRAL_AVAILABILITY_STALE_AFTER_HOURS, REFERRAL_STALE_AFTER_DAYS).
  const staleAfter = { beds_hours: 48, listing_days: 180 };
  // Latitude and longitude, with a decimal point or, as French writes them, a decimal comma
  // ("48,45 -68,52", "48,45, -68,52", "48,45; -68,52"), apart by a comma, a semicolon or
  // spaces. A comma between two whole numbers ("48,45") still parts them, as it did.
  const COORDINATES = /^\s*(-?\d{1,3}(?:[.,]\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:[.,]\d+)?)\s*$/;
  const POSTAL = /^\s*[A-Za-z]\d[A-Za-z](?:\s*-?\s*\d[A-Za-z]\d)?\s*$/;

  const TEXT = {
    en: {
      title: "Referral console",
      otherLanguage: "Français",
      forgetKey: "Forget key",
      keyHeading: "Sign in with your API key",
      keyLabel: "API key",
      keySubmit: "Use this key",
      keyHint: "Kept in this browser tab only, until the tab closes.",
      keyRefused: "This key was not accepted. Enter a valid key.",
      keyCharacters:
        "This key holds a character no key has (a space, or a dash or quote a word processor changed): paste it again as it was issued.",
      profileHeading: "Need profile",
      profileHint: "Nothing typed here is kept: it is sent once to match, then forgotten.",
      near: "Near",
      nearHint: "Postal prefix (N2L), place (Elmira, ON) or latitude, longitude",
      needs: "Needs, in order of importance",
      categories: "Only some kinds",
      gender: "Gender",
      age: "Age",
      status: "Newcomer status",
      trafficking: "Form of trafficking",
      // The form's own short labels, whole in a phone's field (the values sent are the codes).
      traffickingTypes: { labour: "Labour", sex: "Sex", both: "Labour and sex" },
      languages: "Languages spoken",
      languagesHint: "Languages as ISO codes, such as: es, tl",
      situation: "Situation",
      urgent: "Needs a bed tonight",
      dependents: "Children come along",
      noId: "No identity documents",
      noPolice: "Will not make a police report",
      wheelchair: "Needs wheelchair access",
      distance: "Radius, km",
      limit: "Per need",
      find: "Find services",
      searching: "Searching…",
      stillSearching: "Still searching: the server is slow to answer. Keep the caller on the line.",
      clear: "Clear",
      results: "Results",
      empty: "Fill in the profile and press Enter.",
      cleared: "Cleared. Nothing of the profile is kept.",
      nearRequired: "say where the person is",
      needRequired: "choose at least one need",
      ageRange: "whole years, from 0 to 120",
      distanceRange: "a number of km above 0, up to 500",
      limitRange: "a whole number from 1 to 50",
      checkForm: "Check the profile",
      unreachable: "The server does not answer",
      gatewayTitle: (status) => `The server did not answer (${status})`,
      gatewayDetail: "Something between this page and the service failed; try again in a moment.",
      unreachableDetail: "Check the network and try again.",
      historyLoops: "The history's pages do not follow on; try again, or ask the service's administrator.",
      requestId: "request id",
      fieldError: (field, message) => `${field}: ${message}`,
      labelled: (name, value) => `${name}: ${value}`,
      // The server's location problems, in the words of the Near field (see LOCATION_KINDS).
      place: {
        shared_in_province:
          "several places of that province bear this name; pick one among the suggestions as you type, " +
          "or type a postal prefix (R3C) or coordinates (49.9, -97.1)",
        unknown_in_province:
          "no such place known in that province; check the spelling and the province, or type a postal " +
          "prefix (R3C) or coordinates (49.9, -97.1)",
        ambiguous: "several places bear this name; add the province, as in Elmira, ON",
        unknown_place:
          "no such place known; check the spelling, or type a postal prefix (R3C) or coordinates (49.9, -97.1)",
        wide_prefix:
          "this postal prefix covers a region too wide to place the person (its postal codes lie over 50 km " +
          "from its centre); type the town instead",
        outside_canada:
          "outside Canada: this registry serves people in Canada; type the Canadian town or postal prefix " +
          "where the person is",
        coordinates:
          "these coordinates are not in Canada: the latitude first (41.6 to 83.2), then the longitude, " +
          "negative in Canada (-141 to -52.5), as in 45.5, -73.6",
      },
      placesNamed: "several places bear this name:",
      pickProvince: "— pick one, or add the province",
      locatedNear: (label, area) => `Near ${label} (${area})`,
      within: (km) => `within ${km} km`,
      widened: (km) => `too few nearby: radius widened to ${km} km`,
      nothing: "Nothing eligible found, even 500 km away.",
      beyond: "The nearest farther away:",
      unmet: (needs) => `Unmet needs: ${needs}`,
      found: (matches, needs) =>
        `${matches} ${matches === 1 ? "service" : "services"} for ${needs} ${needs === 1 ? "need" : "needs"}.`,
      // The status line, for those who hear the answer rather than see it.
      widenedFor: (needs) => `Too few nearby, radius widened: ${needs}.`,
      widenedTo: (need, km) => `${need} to ${km}`,
      unmetFor: (needs) => `Unmet needs, nothing eligible found: ${needs}.`,
      languageNames: { en: "English", fr: "French" },
      answerIn: (language) => `Reasons and caveats are in ${language}, the language of the search.`,
      problemIn: (language) => `This message is in ${language}, the language of the search.`,
      searchAgain: "Search again in English",
      remote: "by phone or online",
      outreach: "staff come to the person",
      inArea: "serves the person's area",
      km: (km) => `${km} km`,
      beds: (free, total) =>
        total === null
          ? `${free === 0 ? "no" : free} ${free === 1 ? "bed" : "beds"} free`
          : `${free} of ${total} ${total === 1 ? "bed" : "beds"} free`,
      noBedCount: "bed count not given",
      notAccepting: "not accepting referrals",
      bedsUpdated: (age) => `beds updated ${age}`,
      verified: (age) => `verified ${age}`,
      neverVerified: "never verified",
      minutesAgo: (n) => `${n} min ago`,
      hoursAgo: (n) => `${n} h ago`,
      daysAgo: (n) => `${n} days ago`,
      referralRequired: "referral required", // as the server's caveat words it
      copy: "Copy",
      copyLabel: (name) => `Copy the contact of ${name}`,
      copied: "Copied",
      confidential: "confidential location",
      reasons: "Why",
      caveats: "Caveats",
      intake: "Intake",
      listingsHeading: "Your listings",
      listingsHint:
        "Tonight's free beds and whether you take referrals, as matches will show them; " +
        "confirm a listing is still accurate so that it does not rank as stale.",
      organizationOf: (name, status) => `${name} (${status})`,
      organizationStatus: { approved: "approved", pending: "pending approval", suspended: "suspended" },
      noListings: "Your organization has no listing yet.",
      bedsFree: "Beds free",
      ofTotal: (total) => `of ${total}`,
      acceptingReferrals: "Taking referrals",
      saveBeds: "Save",
      saved: "Saved.",
      nothingChanged: (beds) =>
        "Nothing changed, so nothing was sent." +
        (beds ? " To confirm tonight's count as it stands, type it again and save." : ""),
      verifyListing: "Still accurate",
      checkBeds: "Check the beds free",
      bedsRange: (total) => `a whole number from 0 to ${total}`,
      tryAgain: "Try again",
      verifiedNow: "Confirmed: accurate today.",
      vettingHeading: "Organizations",
      vettingHint:
        "Vet an organization before its listings go live: its services match only once it is " +
        "approved, and a suspended organization's provider keys are refused.",
      organizationStatusLabel: "Status",
      nameContains: "Name contains",
      organizationsShown: (shown, total) => `${shown} of ${total}.`,
      noOrganizations: "None.",
      registeredOn: (day) => `registered ${day}`,
      website: "Website",
      email: "Email",
      phone: "Phone",
      description: "Description",
      registered: "Registered",
      history: "History",
      actions: {
        create: "registered", update: "changed", approve: "approved", suspend: "suspended", import: "imported",
        delete: "deleted",
      },
      // The fields a history entry names, as the API names them.
      historyFields: {
        name: "name", description: "description", website: "website", email: "email", phone: "phone",
        status: "status", keys: "keys",
      },
      // The key's id tells apart two keys given one name (a name can be changed at will).
      by: (name, role, key) => `by ${name} (${role}${key ? `, key ${key}` : ""})`,
      decisionNote: "What the decision rests on (kept in the history)",
      noteRequired: "Say what the decision rests on",
      noteHint: "such as: charity registration checked, premises visited",
      approve: "Approve",
      approveAgain: "Confirm approval",
      suspend: "Suspend",
      confirmSuspend: (name) =>
        `Suspend “${name}”? Its services stop matching at once and its provider keys are refused.`,
      approvedNow: "Approved: its services match from now on.",
      approvedAgainNow: "Recorded: vetted again, still approved.",
      suspendedNow: "Suspended: its services no longer match.",
      deleteOrganization: "Delete organization",
      deleteHint:
        "Only an organization without listings can be deleted: its keys are revoked and its " +
        "history is kept. To keep its listings, suspend it instead.",
      confirmDelete: (name) =>
        `Delete “${name}”? Its provider keys are revoked at once; its history is kept. This cannot be undone.`,
      deletedNow: (name) => `“${name}” deleted: its keys are revoked, and its history is kept.`,
      deletedHistory: (id) => `Its history: referral-client organizations show ${id}`,
      deleteFailed: (name) => `${name}: not deleted`,
      organizationKeys: "Provider keys",
      organizationListings: (total) => `Listings (${total})`,
      noOrganizationListings: "No listing yet.",
      moreListings: (more, id) => `and ${more} more: referral-client services list --organization ${id}`,
      confidentialArea: "confidential address",
      bedsTotal: (total) => `${total} ${total === 1 ? "bed" : "beds"}`,
      noKeys: "No key yet.",
      providerKeyName: "Who uses the new key",
      issueProviderKey: "Issue a provider key",
      registerHeading: "Register an organization",
      organizationName: "Name",
      organizationDescription: "Description",
      register: "Register",
      registeredNow: "Registered, pending: vet it, then approve it.",
      keysHeading: "API keys",
      keysHint:
        "Staff and partner keys. A revoked key is refused from its next request on. Provider keys " +
        "are issued and revoked under their organization, above.",
      role: "Role",
      roles: { admin: "administrator", operator: "hotline operator", partner: "partner app", analyst: "analyst", provider: "provider" },
      keyName: "Who uses it",
      issueKey: "Issue a key",
      keyColumns: ["Name", "Role", "Begins with", "Issued", "Last used", "Requests a minute", "State"],
      servicesLimit: "the service's",
      noLimit: "no limit",
      rateLimit: "Requests a minute",
      rateLimitHint: "Empty: the service's limit; 0: none.",
      issuedOn: (day, by) => (by ? `${day}, by ${by}` : day),
      neverUsed: "never",
      revoke: "Revoke",
      revokeNamed: (name) => `Revoke the key “${name}”`,
      revokedOn: (day, by) => (by ? `revoked ${day}, by ${by}` : `revoked ${day}`),
      refusedSuspended: "refused while its organization is suspended",
      thisKey: "this key",
      confirmRevoke: (name) => `Revoke the key “${name}”? It is refused from its next request on; this cannot be undone.`,
      secretHeading: "Copy this key now: it is shown only once.",
      secretFor: (name, role, organization) =>
        organization ? `For ${name} (${role} of ${organization}).` : `For ${name} (${role}).`,
      confirmApproveSuspended: (name) =>
        `Approve “${name}” again? It was suspended: its services match and its provider keys work again at once.`,
      decisionFailed: (name) => `${name}: the decision was not recorded`,
      directionControls: "Its name holds invisible direction characters, shown here without them.",
      copy: "Copy",
      copied: "Copied",
      secretPending: "Copy the key shown above and press Done before issuing another.",
      done: "Done",
      reportHeading: "Where needs went unmet",
      reportHint: "Counts of match requests, never of people, for months that have ended.",
      monthFrom: "From month",
      monthTo: "To month",
      province: "Province",
      areaType: "Area",
      need: "Need",
      urgency: "Urgency",
      any: "All",
      anyFeminine: "All",
      urgentOnly: "Urgent housing only",
      notUrgent: "All but urgent housing",
      show: "Show",
      downloadCsv: "Download CSV",
      more: "More",
      month: "Month",
      where: "Where",
      asked: "Asked",
      noneNear: "None near",
      unmetCount: "Unmet",
      noBedTonight: "No bed tonight",
      urgentCell: "urgent",
      withheld: "withheld",
      reportThrough: (through, shown, total) =>
        `Through ${through}: ${shown} of ${total} ${total === 1 ? "cell" : "cells"}.`,
      reportNothing: (through) => `No cell to show through ${through}.`,
      reportNote: (smallest) =>
        `A cell asked for fewer than ${smallest} times is not listed; a count is withheld when it, ` +
        `or its difference from another count of its cell, is 1 to ${smallest - 1}. ` +
        "None near: no eligible service reached the person within the distance asked (a " +
        "phone or online service serving their area reaches them wherever its office is). " +
        "Unmet: nothing eligible " +
        "within 500 km. No bed tonight: urgent housing requests with no free bed by a current " +
        "count, nor a 24-hour intake, within the distance asked.",
    },
    fr: {
      title: "Console d'orientation",
      otherLanguage: "English",
      forgetKey: "Oublier la clé",
      keyHeading: "Connectez-vous avec votre clé d'API",
      keyLabel: "Clé d'API",
      keySubmit: "Utiliser cette clé",
      keyHint: "Gardée dans cet onglet seulement, jusqu'à sa fermeture.",
      keyRefused: "Cette clé a été refusée. Entrez une clé valide.",
      keyCharacters:
        "Cette clé contient un caractère qu'aucune clé n'a (une espace, ou un tiret ou un guillemet qu'un traitement de texte a changé) : collez-la de nouveau telle qu'elle a été émise.",
      profileHeading: "Profil de besoins",
      profileHint: "Rien de ce qui est saisi n'est gardé : envoyé une fois, puis oublié.",
      near: "Près de",
      nearHint: "Début du code postal (N2L), lieu (Elmira, ON) ou latitude, longitude",
      needs: "Besoins, par ordre d'importance",
      categories: "Seulement certains types",
      gender: "Genre",
      age: "Âge",
      status: "Statut d'immigration",
      trafficking: "Forme de traite",
      // "Traite à des fins d…" all three, cut to one width: what sets them apart, first.
      traffickingTypes: { labour: "Travail forcé", sex: "Exploitation sexuelle", both: "Travail et exploitation sexuelle" },
      languages: "Langues parlées",
      languagesHint: "Langues en codes ISO, par exemple : es, tl",
      situation: "Situation",
      urgent: "A besoin d'un lit ce soir",
      dependents: "Avec des enfants",
      noId: "Sans pièce d'identité",
      noPolice: "Ne fera pas de déclaration à la police",
      wheelchair: "Accès en fauteuil roulant",
      distance: "Rayon, km",
      limit: "Par besoin",
      find: "Trouver des services",
      searching: "Recherche…",
      stillSearching: "Recherche toujours en cours : le serveur tarde à répondre. Gardez la personne en ligne.",
      clear: "Effacer",
      results: "Résultats",
      empty: "Remplissez le profil et appuyez sur Entrée.",
      cleared: "Effacé. Rien du profil n'est gardé.",
      nearRequired: "indiquez où se trouve la personne",
      needRequired: "choisissez au moins un besoin",
      ageRange: "des années entières, de 0 à 120",
      distanceRange: "un nombre de km au-dessus de 0, jusqu'à 500",
      limitRange: "un nombre entier de 1 à 50",
      checkForm: "Vérifiez le profil",
      unreachable: "Le serveur ne répond pas",
      gatewayTitle: (status) => `Le serveur n'a pas répondu (${status})`,
      gatewayDetail: "Un intermédiaire entre cette page et le service a échoué ; réessayez dans un instant.",
      unreachableDetail: "Vérifiez le réseau et réessayez.",
      historyLoops: "Les pages de l'historique ne se suivent pas ; réessayez, ou écrivez à l'administrateur du service.",
      requestId: "identifiant de requête",
      fieldError: (field, message) => `${field} : ${message}`,
      labelled: (name, value) => `${name} : ${value}`,
      place: {
        shared_in_province:
          "plusieurs lieux de cette province portent ce nom ; choisissez-en un parmi les suggestions en " +
          "tapant, ou saisissez un début de code postal (R3C) ou des coordonnées (49.9, -97.1)",
        unknown_in_province:
          "aucun lieu de ce nom dans cette province ; vérifiez l'orthographe et la province, ou saisissez " +
          "un début de code postal (R3C) ou des coordonnées (49.9, -97.1)",
        ambiguous: "plusieurs lieux portent ce nom ; ajoutez la province, comme dans Elmira, ON",
        unknown_place:
          "aucun lieu de ce nom ; vérifiez l'orthographe, ou saisissez un début de code postal (R3C) ou des " +
          "coordonnées (49.9, -97.1)",
        wide_prefix:
          "ce début de code postal couvre une région trop vaste pour situer la personne (ses codes postaux " +
          "sont à plus de 50 km de son centre) ; saisissez plutôt la ville",
        outside_canada:
          "hors du Canada : ce répertoire sert des personnes au Canada ; saisissez la ville canadienne ou " +
          "le début de code postal où se trouve la personne",
        coordinates:
          "ces coordonnées ne sont pas au Canada : la latitude d'abord (41,6 à 83,2), puis la longitude, " +
          "négative au Canada (-141 à -52,5), comme 45,5 -73,6",
      },
      placesNamed: "plusieurs lieux portent ce nom :",
      pickProvince: "— choisissez-en un, ou ajoutez la province",
      tooManyRequests: (seconds) =>
        "Cette clé a fait plus de requêtes cette minute que le serveur n'en accepte d'une clé ; réessayez " +
        (seconds === null ? "dans un moment." : `dans ${seconds} s.`),
      // "Près d'Elmira", "Près de Kitchener": "de" elides before a vowel.
      locatedNear: (label, area) => `Près ${/^[aeiouyàâéèêîïôûœ]/i.test(label) ? "d'" : "de "}${label} (${area})`,
      within: (km) => `dans un rayon de ${String(km).replace(".", ",")} km`,
      widened: (km) => `pas assez à proximité : rayon élargi à ${String(km).replace(".", ",")} km`,
      nothing: "Aucun service admissible, même à 500 km.",
      beyond: "Les plus proches, plus loin :",
      unmet: (needs) => `Besoins non comblés : ${needs}`,
      found: (matches, needs) =>
        `${matches} ${matches > 1 ? "services" : "service"} pour ${needs} ${needs > 1 ? "besoins" : "besoin"}.`,
      widenedFor: (needs) => `Pas assez à proximité, rayon élargi : ${needs}.`,
      widenedTo: (need, km) => `${need} à ${km}`,
      unmetFor: (needs) => `Besoins non comblés, aucun service admissible : ${needs}.`,
      languageNames: { en: "anglais", fr: "français" },
      answerIn: (language) => `Les raisons et mises en garde sont en ${language}, la langue de la recherche.`,
      problemIn: (language) => `Ce message est en ${language}, la langue de la recherche.`,
      searchAgain: "Relancer la recherche en français",
      remote: "par téléphone ou en ligne",
      outreach: "l'équipe se déplace",
      inArea: "dessert la région de la personne",
      km: (km) => `${String(km).replace(".", ",")} km`,
      // "1 lit libre sur 7", "aucun lit libre", as the server's reasons say them.
      beds: (free, total) =>
        `${free === 0 ? "aucun lit libre" : free === 1 ? "1 lit libre" : `${free} lits libres`}` +
        (total === null ? "" : ` sur ${total}`),
      noBedCount: "nombre de lits non indiqué",
      notAccepting: "n'accepte pas de recommandations",
      bedsUpdated: (age) => `lits mis à jour ${age}`,
      verified: (age) => `vérifié ${age}`,
      neverVerified: "jamais vérifié",
      minutesAgo: (n) => `il y a ${n} min`,
      hoursAgo: (n) => `il y a ${n} h`,
      daysAgo: (n) => `il y a ${n} jours`,
      referralRequired: "recommandation requise", // as the server's caveat words it
      copy: "Copier",
      copyLabel: (name) => `Copier les coordonnées de ${name}`,
      copied: "Copié",
      confidential: "adresse confidentielle",
      reasons: "Pourquoi",
      caveats: "Mises en garde",
      intake: "Accueil",
      listingsHeading: "Vos services",
      listingsHint:
        "Les lits libres ce soir et si vous acceptez des recommandations, tels que les jumelages " +
        "les montreront ; confirmez qu'un service est toujours exact pour qu'il ne soit pas classé périmé.",
      organizationOf: (name, status) => `${name} (${status})`,
      organizationStatus: { approved: "approuvé", pending: "en attente d'approbation", suspended: "suspendu" },
      noListings: "Votre organisme n'a encore aucun service.",
      bedsFree: "Lits libres",
      ofTotal: (total) => `sur ${total}`,
      acceptingReferrals: "Accepte des recommandations",
      saveBeds: "Enregistrer",
      saved: "Enregistré.",
      nothingChanged: (beds) =>
        "Rien n'a changé, rien n'a donc été envoyé." +
        (beds ? " Pour confirmer le nombre de ce soir tel quel, retapez-le et enregistrez." : ""),
      verifyListing: "Toujours exact",
      checkBeds: "Vérifiez les lits libres",
      bedsRange: (total) => `un nombre entier de 0 à ${total}`,
      tryAgain: "Réessayer",
      verifiedNow: "Confirmé : exact aujourd'hui.",
      vettingHeading: "Organismes",
      vettingHint:
        "Vérifiez un organisme avant que ses services soient publiés : ses services ne sont jumelés " +
        "qu'une fois approuvé, et les clés de fournisseur d'un organisme suspendu sont refusées.",
      organizationStatusLabel: "Statut",
      nameContains: "Le nom contient",
      organizationsShown: (shown, total) => `${shown} sur ${total}.`,
      noOrganizations: "Aucun.",
      registeredOn: (day) => `inscrit le ${day}`,
      website: "Site Web",
      email: "Courriel",
      phone: "Téléphone",
      description: "Description",
      registered: "Inscrit le",
      history: "Historique",
      actions: {
        create: "inscrit", update: "modifié", approve: "approuvé", suspend: "suspendu", import: "importé",
        delete: "supprimé",
      },
      historyFields: {
        name: "nom", description: "description", website: "site Web", email: "courriel", phone: "téléphone",
        status: "statut", keys: "clés",
      },
      by: (name, role, key) => `par ${name} (${role}${key ? `, clé ${key}` : ""})`,
      decisionNote: "Sur quoi repose la décision (gardé dans l'historique)",
      noteRequired: "Indiquez sur quoi repose la décision",
      noteHint: "par exemple : numéro d'organisme de bienfaisance vérifié, locaux visités",
      approve: "Approuver",
      approveAgain: "Confirmer l'approbation",
      suspend: "Suspendre",
      confirmSuspend: (name) =>
        `Suspendre « ${name} »? Ses services ne sont plus jumelés et ses clés de fournisseur sont refusées, dès maintenant.`,
      approvedNow: "Approuvé : ses services sont jumelés dès maintenant.",
      approvedAgainNow: "Enregistré : vérifié de nouveau, toujours approuvé.",
      suspendedNow: "Suspendu : ses services ne sont plus jumelés.",
      deleteOrganization: "Supprimer l'organisme",
      deleteHint:
        "Seul un organisme sans services peut être supprimé : ses clés sont révoquées et son " +
        "historique est gardé. Pour garder ses services, suspendez-le plutôt.",
      confirmDelete: (name) =>
        `Supprimer « ${name} » ? Ses clés de fournisseur sont révoquées dès maintenant ; son historique est gardé. C'est définitif.`,
      deletedNow: (name) => `« ${name} » supprimé : ses clés sont révoquées, et son historique est gardé.`,
      deletedHistory: (id) => `Son historique : referral-client organizations show ${id}`,
      deleteFailed: (name) => `${name} : pas supprimé`,
      organizationKeys: "Clés de fournisseur",
      organizationListings: (total) => `Services (${total})`,
      noOrganizationListings: "Aucun service.",
      moreListings: (more, id) => `et ${more} autres : referral-client services list --organization ${id}`,
      confidentialArea: "adresse confidentielle",
      bedsTotal: (total) => `${total} ${total === 1 ? "lit" : "lits"}`,
      noKeys: "Aucune clé.",
      providerKeyName: "Qui utilisera la nouvelle clé",
      issueProviderKey: "Émettre une clé de fournisseur",
      registerHeading: "Inscrire un organisme",
      organizationName: "Nom",
      organizationDescription: "Description",
      register: "Inscrire",
      registeredNow: "Inscrit, en attente : vérifiez-le, puis approuvez-le.",
      keysHeading: "Clés d'API",
      keysHint:
        "Clés du personnel et des partenaires. Une clé révoquée est refusée dès sa prochaine requête. " +
        "Les clés de fournisseur sont émises et révoquées sous leur organisme, plus haut.",
      role: "Rôle",
      roles: { admin: "administrateur", operator: "téléphoniste", partner: "application partenaire", analyst: "analyste", provider: "fournisseur" },
      keyName: "Qui l'utilise",
      issueKey: "Émettre une clé",
      keyColumns: ["Nom", "Rôle", "Commence par", "Émise", "Dernier usage", "Requêtes par minute", "État"],
      servicesLimit: "celle du service",
      noLimit: "aucune limite",
      rateLimit: "Requêtes par minute",
      rateLimitHint: "Vide : la limite du service; 0 : aucune.",
      issuedOn: (day, by) => (by ? `${day}, par ${by}` : day),
      neverUsed: "jamais",
      revoke: "Révoquer",
      revokeNamed: (name) => `Révoquer la clé « ${name} »`,
      revokedOn: (day, by) => (by ? `révoquée le ${day}, par ${by}` : `révoquée le ${day}`),
      refusedSuspended: "refusée tant que son organisme est suspendu",
      thisKey: "cette clé",
      confirmRevoke: (name) => `Révoquer la clé « ${name} » ? Elle est refusée dès sa prochaine requête ; c'est définitif.`,
      secretHeading: "Copiez cette clé maintenant : elle n'est montrée qu'une fois.",
      secretFor: (name, role, organization) =>
        organization ? `Pour ${name} (${role} de ${organization}).` : `Pour ${name} (${role}).`,
      confirmApproveSuspended: (name) =>
        `Approuver de nouveau « ${name} »? Il était suspendu : ses services sont jumelés et ses clés de fournisseur fonctionnent de nouveau, dès maintenant.`,
      decisionFailed: (name) => `${name} : la décision n'a pas été enregistrée`,
      directionControls: "Son nom contient des caractères de direction invisibles, montrés ici sans eux.",
      copy: "Copier",
      copied: "Copiée",
      secretPending: "Copiez la clé affichée plus haut et appuyez sur Terminé avant d'en émettre une autre.",
      done: "Terminé",
      reportHeading: "Où les besoins restent sans réponse",
      reportHint: "Des demandes de jumelage, jamais des personnes, pour les mois terminés.",
      monthFrom: "Du mois",
      monthTo: "Au mois",
      province: "Province",
      areaType: "Milieu",
      need: "Besoin",
      urgency: "Urgence",
      any: "Tous",
      anyFeminine: "Toutes",
      urgentOnly: "Hébergement urgent seulement",
      notUrgent: "Tout sauf l'hébergement urgent",
      show: "Afficher",
      downloadCsv: "Télécharger en CSV",
      more: "Plus",
      month: "Mois",
      where: "Où",
      asked: "Demandes",
      noneNear: "Rien à proximité",
      unmetCount: "Sans réponse",
      noBedTonight: "Aucun lit ce soir",
      urgentCell: "urgent",
      withheld: "masqué",
      reportThrough: (through, shown, total) =>
        `Jusqu'à ${through} : ${shown} ${shown > 1 ? "cellules" : "cellule"} sur ${total}.`,
      reportNothing: (through) => `Aucune cellule à afficher jusqu'à ${through}.`,
      reportNote: (smallest) =>
        `Une cellule demandée moins de ${smallest} fois n'est pas affichée ; un nombre est masqué ` +
        `s'il est, ou si son écart avec un autre nombre de la cellule est, de 1 à ${smallest - 1}. ` +
        "Rien à proximité : aucun service admissible n'a rejoint la personne dans la distance " +
        "demandée (un service par téléphone ou en ligne qui dessert sa région la rejoint où " +
        "que soit son bureau). Sans réponse : " +
        "rien d'admissible à 500 km. Aucun lit ce soir : demandes d'hébergement urgent sans lit " +
        "libre selon un décompte à jour, ni accueil jour et nuit, dans la distance demandée.",
    },
  };

  // Which form control each field of a problem's `loc` points to.
  const CONTROLS = {
    location: "near",
    needs: "needs",
    gender: "gender",
    age: "age",
    newcomer_status: "status",
    trafficking_type: "trafficking",
    languages: "languages",
    max_distance_km: "max_distance_km",
    limit: "limit",
  };

  const state = {
    language: "en",
    taxonomy: null,
    answer: null,
    answerLanguage: null, // the language the answer was asked in, that of its reasons and caveats
    problem: null, // the match form's problem on screen (see showProblem)
    said: "empty", // what the status line says when no answer is shown: "empty", "cleared" or nothing
    needOrder: [],
    places: [],
    chosenPlace: null, // a suggestion picked whose label another shares: matched by its point
    activePlace: -1,
    placesAsked: 0,
    placesTimer: 0,
    searching: false, // a match request on its way (`setBusy`)
    slow: false, // ... and unanswered for `SLOW_MS`
    slowTimer: 0,
    role: null,
    organization: null, // a provider key's
    listings: null, // its listings, once read
    report: null, // the cells shown, and the filters and page they came from
    reportAsked: 0, // the latest report request: an earlier one's answer is dropped
    session: 0, // one more at each sign-out: an answer for an earlier key is dropped
    search: 0, // one more at each search and Clear: only the latest search's answer shows
    keyId: null, // the key signed in with, which the keys list does not offer to revoke
    vetting: null, // an administrator's list of organizations, and the filter and page read
    vettingAsked: 0,
    opened: null, // the organization open in the vetting panel, its history and keys
    openedProblem: null, // why it could not be read, and what was said before
    openedAsked: 0,
    openingId: null, // the organization last asked for, drawn or not yet
    removed: null, // the organization deleted from the panel (its id and name), said in its place
    vettingFilter: null, // the filters of the list last asked for
    vettingLoading: false, // that list not answered yet
    keys: null, // staff and partner keys
    keysAsked: 0,
    busy: new Set(), // actions sent and not yet answered, such as "issue:<organization id>"
    secretOf: null, // whose key's secret is on screen (the secret itself only in its field)
  };

  const $ = (id) => document.getElementById(id);

  function t(key, ...args) {
    const value = TEXT[state.language][key];
    return typeof value === "function" ? value(...args) : value;
  }

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  function label(code) {
    const taxonomy = state.taxonomy;
    if (!taxonomy) return code;
    for (const terms of Object.values(taxonomy)) {
      const term = terms.find((item) => item.code === code);
      if (term) return term[state.language];
    }
    return code;
  }

  // ---- the API ------------------------------------------------------------------------

  class ApiProblem extends Error {
    constructor(problem) {
      super(problem.title);
      this.problem = problem;
    }
  }

  async function api(path, options = {}) {
    const session = state.session; // the key this request is sent with
    const headers = {
      Accept: "application/json",
      "Accept-Language": state.language,
      Authorization: `Bearer ${sessionStorage.getItem(KEY_STORE) || ""}`,
    };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    // The version the change was decided on: another administrator's change since is a 412.
    if (options.ifMatch) headers["If-Match"] = options.ifMatch;
    let response;
    try {
      response = await fetch(path, {
        method: options.method || "GET",
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
      });
    } catch {
      throw new ApiProblem({ status: 0, title: t("unreachable"), detail: t("unreachableDetail") });
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (response.ok) {
      options.onEtag?.(response.headers.get("ETag"));
      return body;
    }
    // Without a problem of the service's: a proxy's or a gateway's answer (502, 504), said
    // in the operator's language with what to do, not "Bad Gateway" (a review).
    let problem =
      body && typeof body.title === "string"
        ? body
        : {
            status: response.status,
            title: response.status >= 500 ? t("gatewayTitle", response.status) : response.statusText || String(response.status),
            detail: response.status >= 500 ? t("gatewayDetail") : undefined,
          };
    if (response.status === 429 && state.language === "fr" && !FRENCH_LETTERS.test(problem.detail || "")) {
      // The server translates the texts it knows, and a 429's detail is not one of them:
      // "Trop de requêtes" over an English sentence. Ours, with the wait it asks for.
      problem = { ...problem, detail: t("tooManyRequests", retryAfterSeconds(response.headers.get("Retry-After"))) };
    }
    // Refused: that key is signed out, never one signed in since.
    if (response.status === 401 && session === state.session) signOut(t("keyRefused"));
    throw new ApiProblem(problem);
  }

  // Letters of French and not of English: a detail with none of them is taken for one the
  // server left in English.
  const FRENCH_LETTERS = /[àâçéèêëîïôùûüÿœ]/i;

  // Retry-After as whole seconds from now: a number of seconds, or an HTTP date (RFC 9110).
  function retryAfterSeconds(value) {
    if (!value) return null;
    if (/^\s*\d+\s*$/.test(value)) return Number(value);
    const when = Date.parse(value);
    return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
  }

  // ---- the key ------------------------------------------------------------------------

  // A key refused for good (a suspended organization's: 403) is forgotten, so that a reload
  // does not try it again; a server that did not answer leaves it for the next try.
  function signInFailed(problem) {
    if (problem.status === 401) return; // api() has signed out, saying so
    if (problem.status === 403) sessionStorage.removeItem(KEY_STORE);
    showKeyProblem(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
  }

  async function signIn(key) {
    sessionStorage.setItem(KEY_STORE, key);
    showKeyProblem(null);
    const session = state.session;
    try {
      const taxonomy = await api("/v1/taxonomy");
      const me = await api("/v1/me");
      if (session !== state.session) return; // signed out meanwhile
      state.taxonomy = taxonomy;
      state.role = me.key.role;
      state.keyId = me.key.id;
      state.organization = me.organization;
      Object.assign(staleAfter, me.stale_after);
    } catch (error) {
      signInFailed(error.problem);
      return;
    }
    $("key").value = "";
    $("key-panel").hidden = true;
    $("forget-key").hidden = false;
    // Analysts read the report only, providers keep their listings; administrators vet
    // organizations, issue and revoke keys, and may match and read the report.
    const administers = state.role === "admin";
    const reads = state.role === "analyst" || administers;
    const provides = state.role === "provider";
    $("workspace").hidden = state.role === "analyst" || provides;
    $("report").hidden = !reads;
    $("listings").hidden = !provides;
    $("vetting").hidden = !administers;
    $("keys").hidden = !administers;
    buildChoices();
    if (reads) buildReportChoices();
    if (administers) buildVettingChoices();
    if (state.role === "analyst") {
      showReport();
      $("month-from").focus();
    } else if (provides) {
      loadListings();
    } else {
      if (administers) {
        showOrganizations(); // pending first: what waits for vetting
        loadKeys();
      }
      $("near").focus();
    }
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY_STORE);
    state.session += 1; // answers still on their way belong to the key forgotten
    clearAll();
    state.taxonomy = null;
    state.role = null;
    state.keyId = null;
    resetAdministration();
    $("vetting").hidden = true;
    $("keys").hidden = true;
    state.organization = null;
    state.listings = null;
    $("listing-items").replaceChildren();
    $("listings-organization").textContent = "";
    $("listings-problem").hidden = true;
    $("listings").hidden = true;
    state.report = null;
    $("report-filters").reset();
    resetReport();
    $("report").hidden = true;
    $("workspace").hidden = true;
    $("forget-key").hidden = true;
    $("key-panel").hidden = false;
    showKeyProblem(message);
    $("key").focus();
  }

  // A key as pasted: without the spaces, quotes or "Bearer " copied around it; null when it
  // holds a character no key has, which the browser would refuse to send (a non-breaking
  // hyphen, say), rather than let that read as the server not answering.
  function typedKey(text) {
    const key = text
      .trim()
      .replace(/^bearer\s+/i, "")
      .replace(/^(["'`\u2018\u201c])(.*)(["'`\u2019\u201d])$/s, "$2")
      .trim();
    return /^[\x21-\x7e]*$/.test(key) ? key : null;
  }

  function showKeyProblem(message) {
    const box = $("key-problem");
    box.textContent = message || "";
    box.hidden = !message;
  }

  // ---- the form -----------------------------------------------------------------------

  function fillSelect(select, terms, names = {}) {
    const chosen = select.value || "undisclosed";
    select.replaceChildren(
      // `selected` marks the default that a form reset returns to.
      ...terms.map((term) =>
        el(
          "option",
          { value: term.code, selected: term.code === "undisclosed" },
          names[term.code] || term[state.language],
        ),
      ),
    );
    select.value = chosen;
  }

  function buildChoices() {
    const taxonomy = state.taxonomy;
    fillSelect($("gender"), taxonomy.genders);
    fillSelect($("status"), taxonomy.newcomer_statuses);
    fillSelect($("trafficking"), taxonomy.trafficking_types, t("traffickingTypes"));
    const checked = new Set(state.needOrder);
    const needCheck = (term, extra) =>
      el(
        "label",
        { class: extra },
        el("input", { type: "checkbox", value: term.code, checked: checked.has(term.code) }),
        " ",
        el("span", {}, term[state.language]),
        el("span", { class: "order", "aria-hidden": "true" }),
      );
    const groups = taxonomy.needs.map((need) =>
      el(
        "div",
        { class: "need-group" },
        needCheck(need, "need"),
        el(
          "details",
          { open: taxonomy.categories.some((c) => c.need === need.code && checked.has(c.code)) },
          // (named with its need: three alike read "only some kinds" to a screen reader)
          el("summary", { "aria-label": `${t("categories")}: ${need[state.language]}` }, t("categories")),
          taxonomy.categories
            .filter((category) => category.need === need.code)
            .map((category) => needCheck(category, "category")),
        ),
      ),
    );
    $("need-list").replaceChildren(...groups);
    showNeedOrder();
  }

  function onNeedChange(event) {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") return;
    state.needOrder = state.needOrder.filter((code) => code !== box.value);
    if (box.checked) state.needOrder.push(box.value);
    showNeedOrder();
  }

  function showNeedOrder() {
    for (const box of $("need-list").querySelectorAll("input[type=checkbox]")) {
      const position = state.needOrder.indexOf(box.value);
      box.parentElement.querySelector(".order").textContent = position < 0 ? "" : String(position + 1);
    }
  }

  function locationOf(text) {
    const chosen = state.chosenPlace;
    if (chosen && chosen.label === text.trim()) {
      // One of two places of one name and province (Westmount, NS): its point says which.
      return { latitude: chosen.latitude, longitude: chosen.longitude };
    }
    const coordinates = COORDINATES.exec(text);
    const degrees = (number) => Number(number.replace(",", ".")); // a decimal comma too
    if (coordinates) return { latitude: degrees(coordinates[1]), longitude: degrees(coordinates[2]) };
    if (POSTAL.test(text)) return { postal_prefix: text.trim() };
    return { place: text.trim() };
  }

  // A number as typed, with a decimal comma too ("12,5"): text fields, since a number field
  // read "12,5" as 125 in a French browser, without a word (a review). Anything else is sent
  // as typed, for the server to refuse beside its field.
  function numberOf(id) {
    const value = $(id).value.trim();
    if (value === "") return undefined;
    // (a comma before three digits may be a thousands separator, "1,000": sent as typed)
    const number = Number(value.replace(",", "."));
    const plain = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/.test(value) && !/,\d{3}$/.test(value);
    return plain && Number.isFinite(number) ? number : value;
  }

  // The profile, read from the form for one request and never kept.
  function readProfile() {
    const profile = {
      needs: state.needOrder.slice(),
      location: locationOf($("near").value),
      gender: $("gender").value,
      newcomer_status: $("status").value,
      trafficking_type: $("trafficking").value,
      languages: $("languages")
        .value.split(/[\s,;]+/)
        .filter(Boolean)
        .map((code) => code.toLowerCase()),
    };
    for (const id of ["urgent", "with_dependents", "no_identification", "no_police_report", "wheelchair"]) {
      profile[id] = $(id).checked;
    }
    for (const id of ["age", "max_distance_km", "limit"]) {
      const value = numberOf(id);
      if (value !== undefined) profile[id] = value;
    }
    return profile;
  }

  // What the form lacks, as keys of TEXT: said again in the other language if it changes.
  function localErrors() {
    const errors = [];
    if (!$("near").value.trim()) errors.push({ loc: ["location"], key: "nearRequired" });
    if (!state.needOrder.length) errors.push({ loc: ["needs"], key: "needRequired" });
    // Numbers out of range, in the form's words rather than the validator's ("Input should be
    // less than or equal to 120"); what is not a number at all the server names.
    const ranges = [
      ["age", "ageRange", (n) => Number.isInteger(n) && n >= 0 && n <= 120],
      ["max_distance_km", "distanceRange", (n) => n > 0 && n <= 500],
      ["limit", "limitRange", (n) => Number.isInteger(n) && n >= 1 && n <= 50],
    ];
    for (const [id, key, fits] of ranges) {
      const value = numberOf(id);
      if (typeof value === "number" && !fits(value)) errors.push({ loc: [id], key });
    }
    return errors;
  }

  async function onSubmit(event) {
    event.preventDefault();
    // One search at a time (Enter again while one is on its way sent another, each counted
    // in the unmet-need report; a review); Clear drops the one on its way.
    if (state.searching) return;
    closePlaces();
    showProblem(null);
    const errors = localErrors();
    if (errors.length) {
      state.said = null; // ("Cleared." said of the form before, not of this)
      showProblem({ local: errors });
      focusInvalid();
      return;
    }
    // An answer counts only while it is the latest search's: Clear, Forget key or a newer
    // search drops it, so that one caller's results never show under another's empty form.
    const search = ++state.search;
    setBusy(true);
    const profile = readProfile();
    const language = state.language; // that of the request (Accept-Language), and so of its answer
    try {
      const answer = await api("/v1/match", { method: "POST", body: profile });
      if (search !== state.search) return;
      // Not busy before the answer is told: a region still busy may keep it from being read.
      setBusy(false);
      state.answer = answer;
      state.answerLanguage = language;
      renderAnswer();
      reveal($("answer"));
    } catch (error) {
      if (search !== state.search) return;
      setBusy(false);
      state.answer = null;
      $("results").replaceChildren();
      state.said = null;
      renderStatus();
      const problem = error.problem;
      const place = profile.location.place;
      const ambiguous = (problem.errors || []).some((item) => locationKind(item) === "ambiguous");
      const candidates = place && ambiguous ? await placesNamed(place) : [];
      if (search !== state.search) return;
      showProblem({ problem, candidates, language });
      focusInvalid();
    } finally {
      if (search === state.search && state.searching) setBusy(false);
    }
  }

  // A search still unanswered after this long says so: the operator tells the caller.
  const SLOW_MS = 10_000;

  function setBusy(busy) {
    const button = $("find");
    // aria-disabled, not disabled: a disabled button loses the keyboard's focus, and a screen
    // reader starts again from the top of the page (a review). Another search asked for
    // meanwhile is not sent (`onSubmit`).
    button.setAttribute("aria-disabled", busy ? "true" : "false");
    button.textContent = busy ? t("searching") : t("find");
    // The previous answer is dimmed while a search is on its way (`console.css`): on a slow
    // server one caller's results had read as the next caller's (a review).
    $("answer").setAttribute("aria-busy", busy ? "true" : "false");
    clearTimeout(state.slowTimer);
    state.searching = busy;
    state.slow = false;
    if (busy) {
      state.slowTimer = setTimeout(() => {
        state.slow = true;
        renderStatus();
      }, SLOW_MS);
    }
    renderStatus();
  }

  function clearAll() {
    state.search += 1; // a search still on its way is dropped
    setBusy(false);
    $("profile").reset();
    state.needOrder = [];
    if (state.taxonomy) buildChoices();
    closePlaces();
    state.answer = null;
    $("results").replaceChildren();
    showProblem(null);
    state.said = "cleared";
    renderStatus();
  }

  // ---- place autocomplete (an ARIA combobox) ------------------------------------------

  function onNearInput() {
    clearTimeout(state.placesTimer);
    const text = $("near").value.trim();
    if (text.length < 2 || COORDINATES.test(text) || POSTAL.test(text)) {
      closePlaces();
      return;
    }
    state.placesTimer = setTimeout(() => suggestPlaces(text), 120);
  }

  async function suggestPlaces(text) {
    const asked = ++state.placesAsked;
    let found;
    try {
      found = await api(`/v1/places?q=${encodeURIComponent(text)}&limit=8`);
    } catch {
      return; // Suggestions are a convenience: the match itself reports any problem.
    }
    if (asked !== state.placesAsked || $("near").value.trim() !== text) return;
    state.places = found.items;
    state.activePlace = -1;
    const list = $("near-options");
    list.replaceChildren(
      ...found.items.map((place, index) =>
        el(
          "li",
          { id: `near-option-${index}`, role: "option", "aria-selected": "false", "data-index": index },
          place.label,
          el("span", { class: "area" }, label(place.area_type)),
        ),
      ),
    );
    list.hidden = found.items.length === 0;
    $("near").setAttribute("aria-expanded", list.hidden ? "false" : "true");
  }

  function closePlaces() {
    // (a suggestion still waiting to be asked would open the list again over the needs)
    clearTimeout(state.placesTimer);
    state.places = [];
    state.activePlace = -1;
    state.placesAsked++;
    $("near-options").hidden = true;
    $("near-options").replaceChildren();
    $("near").setAttribute("aria-expanded", "false");
    $("near").removeAttribute("aria-activedescendant");
  }

  function highlightPlace(index) {
    const options = $("near-options").children;
    state.activePlace = index;
    for (const option of options) {
      option.setAttribute("aria-selected", option.dataset.index === String(index) ? "true" : "false");
    }
    $("near").setAttribute("aria-activedescendant", `near-option-${index}`);
  }

  function choosePlace(index) {
    const place = state.places[index];
    const shared = state.places.filter((other) => other.label === place.label).length > 1;
    state.chosenPlace = shared ? place : null;
    $("near").value = place.label;
    closePlaces();
  }

  function onNearKey(event) {
    const count = state.places.length;
    if (event.key === "Escape") {
      // Also before the list opened: what was typed then is not to be suggested for.
      if (count && !$("near-options").hidden) event.preventDefault();
      closePlaces();
      return;
    }
    if (!count || $("near-options").hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlightPlace((state.activePlace + step + count) % count);
    } else if (event.key === "Enter" && state.activePlace >= 0) {
      event.preventDefault();
      choosePlace(state.activePlace);
    }
  }

  // ---- results ------------------------------------------------------------------------

  // Whole minutes, hours or days gone by, rounded down as the server rounds the age in a
  // reason: beside its "updated 2 days ago" (71 hours), "3 days ago" read a day too old.
  function ageText(iso) {
    const minutes = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 60_000));
    const hours = Math.floor(minutes / 60);
    if (hours < 1) return t("minutesAgo", minutes);
    return hours < 48 ? t("hoursAgo", hours) : t("daysAgo", Math.floor(hours / 24));
  }

  function isOlderThan(iso, hours) {
    return Date.now() - new Date(iso).getTime() > hours * 3_600_000;
  }

  function bedsLine(match) {
    const availability = match.availability;
    if (!availability.accepting_referrals) return el("p", { class: "beds full" }, t("notAccepting"));
    if (availability.beds_available === null) {
      const housing = match.categories.some((category) => category.startsWith("housing."));
      return housing ? el("p", { class: "beds unknown" }, t("noBedCount")) : null;
    }
    const free = availability.beds_available;
    return el("p", { class: free > 0 ? "beds free" : "beds full" }, t("beds", free, availability.beds_total));
  }

  // How old a bed count and a verification are, in amber once matches call them stale: the
  // operator's matches and the provider's own listings say it alike.
  function freshnessNotes(tag, bedsUpdatedAt, verifiedAt) {
    const note = (iso, staleHours, key) =>
      el(tag, { class: isOlderThan(iso, staleHours) ? "fresh stale" : "fresh" }, t(key, ageText(iso)));
    const notes = bedsUpdatedAt ? [note(bedsUpdatedAt, staleAfter.beds_hours, "bedsUpdated")] : [];
    notes.push(
      verifiedAt
        ? note(verifiedAt, staleAfter.listing_days * 24, "verified")
        : el(tag, { class: "fresh stale" }, t("neverVerified")),
    );
    return notes;
  }

  function freshness(match) {
    const counted = match.availability.beds_available !== null;
    return freshnessNotes("p", counted ? match.availability.updated_at : null, match.last_verified_at);
  }

  function intakeBlock(intake) {
    if (intake.contact_through) {
      return el("div", { class: "intake redacted", lang: state.answerLanguage }, intake.message);
    }
    // (a web address in a new tab; a number or an address to call or write in the same one)
    const link = (href, text) =>
      el("a", { href, rel: "noreferrer noopener", target: /^https?:/.test(href) ? "_blank" : null }, text);
    return el(
      "div",
      { class: "intake" },
      intake.phone && el("p", { class: "phone" }, link(`tel:${intake.phone.replace(/[^0-9+]/g, "")}`, intake.phone)),
      intake.hours && el("p", {}, intake.hours),
      intake.email && el("p", {}, link(`mailto:${intake.email}`, intake.email)),
      intake.url && /^https?:\/\//.test(intake.url) && el("p", { class: "url" }, link(intake.url, new URL(intake.url).host)),
      intake.referral_required && el("p", { class: "note" }, t("referralRequired")),
    );
  }

  function placeLine(match) {
    const location = match.location;
    // How the service reaches the person: a phone line's office 300 km away is no distance.
    const distance =
      match.reach === "phone_or_online"
        ? t("remote")
        : match.reach === "outreach"
          ? t("outreach")
          : match.distance_km === null
            ? t("inArea")
            : t("km", match.distance_km);
    if (!location) return el("p", { class: "where" }, distance);
    const parts = [location.address, `${location.municipality}, ${location.province}`].filter(Boolean);
    return el(
      "p",
      { class: "where" },
      el("strong", {}, distance),
      ` · ${parts.join(", ")}`,
      location.confidential ? ` · ${t("confidential")}` : "",
    );
  }

  // `lang`: that of the items, the server's words in the language the search was made in.
  function list(className, heading, items, lang = null) {
    if (!items.length) return null;
    return el(
      "div",
      { class: className },
      el("span", { class: "list-heading" }, heading),
      el("ul", { lang }, items.map((item) => el("li", {}, item))),
    );
  }

  function renderMatch(match, rank) {
    return el(
      "li",
      { class: "match" },
      el("div", { class: "rank", "aria-label": `#${rank}` }, String(rank)),
      el(
        "div",
        { class: "main" },
        el("h4", { class: "name", dir: "auto" }, plain(match.name)),
        el("p", { class: "org", dir: "auto" }, plain(match.organization.name)),
        placeLine(match),
        list("reasons", t("reasons"), match.reasons, state.answerLanguage),
        list("caveats", t("caveats"), match.caveats, state.answerLanguage),
      ),
      el("div", { class: "side" }, bedsLine(match), freshness(match), intakeBlock(match.intake), copyButton(match)),
    );
  }

  // The match as the operator sees it, in lines to paste into a note or a text message to the
  // caller: what this key's role is shown, never more (a review: the operator had to select
  // the text by hand while the caller waited).
  function copyButton(match) {
    const button = el("button", { type: "button", class: "copy", "aria-label": t("copyLabel", match.name) }, t("copy"));
    button.addEventListener("click", async () => {
      const item = button.closest("li.match");
      const lines = [".name", ".org", ".where"].map((selector) => item.querySelector(selector)?.textContent.trim());
      const intake = item.querySelector(".intake");
      if (intake) {
        const parts = intake.children.length ? [...intake.children] : [intake];
        lines.push(...parts.map((part) => part.textContent.trim()));
      }
      const text = lines.filter(Boolean).join("\n");
      try {
        await navigator.clipboard.writeText(text);
      } catch {
        // (no clipboard permission: the page's own selection, as a person would copy it)
        const area = el("textarea", { "aria-hidden": "true", class: "offscreen" });
        area.value = text;
        document.body.append(area);
        area.select();
        document.execCommand("copy");
        area.remove();
      }
      button.textContent = t("copied");
      setTimeout(() => {
        button.textContent = t("copy");
      }, 2000);
    });
    return button;
  }

  function renderNeed(result) {
    const radius = result.expanded ? t("widened", result.radius_km) : t("within", result.radius_km);
    return el(
      "section",
      { class: result.expanded ? "need expanded" : "need", "data-need": result.need },
      // (a dash between: "Housing too few nearby" read as one phrase; a review)
      el("h3", {}, label(result.need), " – ", el("span", { class: "radius" }, radius)),
      result.matches.length
        ? el("ol", { class: "matches" }, result.matches.map((match, index) => renderMatch(match, index + 1)))
        : el("p", { class: "nothing" }, t("nothing")),
      // Nothing within 500 km: the nearest help farther away, so that the caller has something to try.
      result.beyond && result.beyond.length
        ? el(
            "div",
            { class: "beyond" },
            el("p", {}, t("beyond")),
            el("ol", { class: "matches" }, result.beyond.map((match, index) => renderMatch(match, index + 1))),
          )
        : "",
    );
  }

  function renderAnswer() {
    const answer = state.answer;
    renderStatus();
    if (!answer) return;
    const where = answer.location;
    $("results").replaceChildren(
      el("p", { class: "located" }, t("locatedNear", where.label, label(where.area_type).toLowerCase())),
      ...answer.results.map(renderNeed),
      answer.unmet_needs.length
        ? el("p", { class: "unmet" }, t("unmet", answer.unmet_needs.map(label).join(", ")))
        : "",
    );
  }

  // The answer in a few words for the status line, which screen readers say: how many, and
  // as the screen shows it, where the radius was widened and which needs went unmet.
  function answerSummary(answer) {
    const count = answer.results.reduce((sum, result) => sum + result.matches.length, 0);
    const unmet = new Set(answer.unmet_needs);
    const widened = answer.results
      .filter((result) => result.expanded && !unmet.has(result.need))
      .map((result) => t("widenedTo", label(result.need), t("km", result.radius_km)));
    return [
      t("found", count, answer.results.length),
      widened.length ? t("widenedFor", widened.join("; ")) : "",
      unmet.size ? t("unmetFor", answer.unmet_needs.map(label).join(", ")) : "",
    ]
      .filter(Boolean)
      .join(" ");
  }

  // The status line, and a notice when what the server said (an answer's reasons and caveats,
  // a problem) is in the other language than the screen's: switching language sends nothing
  // (each match is counted in the report), so the operator is told, and searches again.
  function renderStatus() {
    $("status-line").textContent = state.searching
      ? t(state.slow ? "stillSearching" : "searching")
      : state.answer
        ? answerSummary(state.answer)
        : state.said
          ? t(state.said)
          : "";
    const notice = $("language-notice");
    const asked = state.answer ? state.answerLanguage : state.problem?.language;
    if (!asked || asked === state.language) {
      notice.hidden = true;
      notice.replaceChildren();
      return;
    }
    const again = el("button", { type: "button" }, t("searchAgain"));
    again.addEventListener("click", () => $("profile").requestSubmit());
    notice.replaceChildren(
      el("p", {}, t(state.answer ? "answerIn" : "problemIn", t("languageNames")[asked])),
      again,
    );
    notice.hidden = false;
  }

  // ---- a provider's listings ------------------------------------------------------------

  // Every item of a paged list the filters select, page after page.
  async function everyPage(path, filters, perPage) {
    const items = [];
    for (let page = 1; ; page += 1) {
      const query = new URLSearchParams({ ...filters, page: String(page), per_page: String(perPage) });
      const found = await api(`${path}?${query}`);
      items.push(...found.items);
      if (page * found.per_page >= found.total || !found.items.length) return items;
    }
  }

  async function loadListings() {
    const box = $("listings-problem");
    box.hidden = true;
    const session = state.session;
    let listings;
    try {
      listings = await everyPage("/v1/services", { organization_id: state.organization.id }, 100);
    } catch (error) {
      if (session !== state.session) return;
      const retry = el("button", { type: "button" }, t("tryAgain"));
      retry.addEventListener("click", loadListings);
      box.replaceChildren(
        el("strong", {}, error.problem.title),
        error.problem.detail ? el("p", {}, error.problem.detail) : "",
        retry,
      );
      box.hidden = false;
      return;
    }
    if (session !== state.session) return;
    // By name, not as the API lists them (last changed last): the list a provider works
    // down every night keeps its order after a save and a reload.
    listings.sort((a, b) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    state.listings = listings;
    renderListings();
    $("listing-items").querySelector("input")?.focus();
  }

  function renderListings() {
    if (!state.organization) return;
    const status = state.organization.status;
    $("listings-organization").textContent = t(
      "organizationOf", plain(state.organization.name), t("organizationStatus")[status] || status,
    );
    if (state.listings === null) return; // not read (yet): the problem box says why
    // What was typed and not yet saved stays, in the other language too.
    const typed = new Map(
      [...document.querySelectorAll("#listing-items li.listing")].map((item) => [
        item.dataset.id,
        {
          beds: item.querySelector("input[type=number]")?.value,
          edited: item.querySelector("input[type=number]")?.dataset.edited,
          accepting: item.querySelector("input[type=checkbox]").checked,
        },
      ]),
    );
    $("listing-items").replaceChildren(
      ...(state.listings.length ? state.listings.map(renderListing) : [el("li", { class: "hint" }, t("noListings"))]),
    );
    for (const [id, values] of typed) {
      const item = document.querySelector(`#listing-items li[data-id="${CSS.escape(id)}"]`);
      if (!item) continue;
      const beds = item.querySelector("input[type=number]");
      if (beds && values.beds !== undefined) beds.value = values.beds;
      if (beds && values.edited) beds.dataset.edited = values.edited;
      item.querySelector("input[type=checkbox]").checked = values.accepting;
    }
  }

  function listingProblem(problem) {
    const errors = problem.errors || [];
    return el(
      "div",
      { class: "problem", role: "alert" },
      el("strong", {}, problem.title),
      errors.length
        ? el("ul", {}, errors.map((error) => el("li", {}, error.msg)))
        : problem.detail ? el("p", {}, problem.detail) : "",
    );
  }

  function renderListing(listing, index) {
    const beds = listing.capacity.beds_total !== null;
    const id = `listing-${index}`;
    const status = el("p", { class: "hint", role: "status" });
    // Stale as matches would call it: the provider sees what to do before a caller does.
    const notes = freshnessNotes(
      "span", beds ? listing.availability_updated_at : null, listing.last_verified_at,
    );
    const freshness = el(
      "p",
      {},
      notes.flatMap((note, at) => (at ? [el("span", { class: "fresh" }, " · "), note] : [note])),
    );
    const bedsInput = beds
      ? el("input", {
          id: `${id}-beds`,
          type: "number",
          min: "0",
          max: String(listing.capacity.beds_total),
          value: listing.capacity.beds_available === null ? "" : String(listing.capacity.beds_available),
        })
      : null;
    const accepting = el("input", { id: `${id}-accepting`, type: "checkbox" });
    accepting.checked = listing.accepting_referrals;
    const form = el(
      "form",
      { novalidate: true },
      beds
        ? el(
            "div",
            { class: "field" },
            el("label", { for: `${id}-beds` }, `${t("bedsFree")} (${t("ofTotal", listing.capacity.beds_total)})`),
            bedsInput,
          )
        : "",
      el("label", { class: "check", for: `${id}-accepting` }, accepting, ` ${t("acceptingReferrals")}`),
      el("button", { type: "submit", class: "primary" }, t("saveBeds")),
      el("button", { type: "button", class: "verify" }, t("verifyListing")),
    );
    const item = el(
      "li",
      { class: "listing", "data-id": listing.id },
      el("h3", { dir: "auto" }, plain(listing.name)),
      el("p", { class: "org" }, listing.categories.map(label).join(", ")),
      form,
      freshness,
      status,
    );
    const settle = (updated, message) => {
      state.listings[index] = updated;
      const fresh = renderListing(updated, index);
      // The control that had the focus has it again in the listing drawn anew: a keyboard
      // user goes on to the next listing from there, not from the top of the page.
      const active = document.activeElement;
      const control = item.contains(active)
        ? ["input[type=number]", "input[type=checkbox]", "button[type=submit]", "button.verify"].find((selector) =>
            active.matches(selector),
          )
        : null;
      item.replaceWith(fresh);
      if (control) fresh.querySelector(control)?.focus();
      const said = fresh.querySelector("[role=status]");
      said.textContent = message;
      said.classList.add("saved");
    };
    const fail = (problem) => {
      item.querySelector(".problem")?.remove();
      status.textContent = "";
      status.classList.remove("saved");
      status.before(listingProblem(problem));
    };
    // A count typed in, even the same one again (which confirms it), is sent; one untouched
    // is not: another writer (a provider's nightly script) may have changed it since this
    // form was read, and sending the form as it was read would undo that change.
    bedsInput?.addEventListener("input", () => {
      bedsInput.dataset.edited = "true";
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      if (accepting.checked !== listing.accepting_referrals) body.accepting_referrals = accepting.checked;
      if (bedsInput?.dataset.edited) {
        // A blank or unreadable count is not sent as "unchanged": saving would mark the old
        // count as updated now, and matches would call it fresh. One out of range is said in
        // the form's words, not the server's ("exceeds beds_total", in English).
        const beds = bedsInput.valueAsNumber;
        const total = listing.capacity.beds_total;
        if (bedsInput.validity.badInput || bedsInput.value === "" || !Number.isInteger(beds) || beds < 0 || beds > total) {
          bedsInput.setAttribute("aria-invalid", "true");
          fail({ title: t("checkBeds"), errors: [{ msg: t("bedsRange", listing.capacity.beds_total) }] });
          bedsInput.focus();
          return;
        }
        bedsInput.removeAttribute("aria-invalid");
        body.beds_available = beds;
      }
      if (!Object.keys(body).length) {
        item.querySelector(".problem")?.remove();
        status.classList.remove("saved");
        status.textContent = t("nothingChanged", beds);
        return;
      }
      try {
        settle(await api(`/v1/services/${listing.id}/availability`, { method: "PUT", body }), t("saved"));
      } catch (error) {
        fail(error.problem);
      }
    });
    form.querySelector(".verify").addEventListener("click", async () => {
      try {
        settle(await api(`/v1/services/${listing.id}/verify`, { method: "POST" }), t("verifiedNow"));
      } catch (error) {
        fail(error.problem);
      }
    });
    return item;
  }

  // ---- vetting organizations, and keys (administrators) --------------------------------
  //
  // Everything an organization says about itself is shown as text (el() never parses
  // markup), in elements of their own direction (`dir=auto`): vetting is where a stranger's
  // words meet the most powerful key.

  const REGISTER_CONTROLS = {
    name: "register-name",
    description: "register-description",
    website: "register-website",
    email: "register-email",
    phone: "register-phone",
  };

  // A refused request's title, then each error under its control's label where there is one.
  function problemParts(problem, controls) {
    const errors = problem.errors || [];
    const named = (loc) => {
      const field = (loc || []).slice(-1)[0];
      const control = controls[field] ? $(controls[field]) : null;
      return control?.labels?.[0]?.textContent.trim() || field;
    };
    return [
      el("strong", {}, problem.title),
      errors.length
        ? el("ul", {}, errors.map((error) => el("li", {}, t("fieldError", named(error.loc), error.msg))))
        : problem.detail ? el("p", {}, problem.detail) : "",
      problem.status >= 500 && problem.request_id ? el("p", { class: "hint" }, t("labelled", t("requestId"), problem.request_id)) : "",
    ];
  }

  // `form`'s problem box (one, at its end), and its fields marked as the errors name them;
  // with null, both cleared.
  function formProblem(form, problem, controls = {}) {
    form.querySelector(":scope > .problem")?.remove();
    for (const marked of form.querySelectorAll("[aria-invalid=true]")) marked.removeAttribute("aria-invalid");
    if (!problem) return;
    for (const error of problem.errors || []) {
      const id = controls[(error.loc || []).slice(-1)[0]];
      if (id) $(id)?.setAttribute("aria-invalid", "true");
    }
    form.append(el("div", { class: "problem", role: "alert" }, ...problemParts(problem, controls)));
  }

  // Runs `send` while `action` is out: the buttons of every element marked with it are
  // disabled, those rendered meanwhile (a change of language) included, so that nothing is
  // sent twice.
  async function busy(action, send) {
    const out = state.busy; // this session's: a sign-out meanwhile starts another set
    out.add(action);
    syncBusy();
    try {
      return await send();
    } finally {
      out.delete(action);
      syncBusy();
    }
  }

  function syncBusy() {
    for (const marked of document.querySelectorAll("[data-action]")) {
      const out = state.busy.has(marked.dataset.action);
      const buttons = marked.tagName === "BUTTON" ? [marked] : marked.querySelectorAll("button");
      for (const button of buttons) button.disabled = out;
    }
  }

  function statusName(status) {
    return t("organizationStatus")[status] || status;
  }

  function roleName(role) {
    return t("roles")[role] || role;
  }

  // Embeddings, overrides and isolates: inside a name they make it read as another
  // (U+202E shows what follows backwards). Names are drawn without them, as search reads them.
  const DIRECTION_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
  const HAS_DIRECTION_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

  function plain(text) {
    return text === null || text === undefined ? text : String(text).replace(DIRECTION_CONTROLS, "");
  }

  // A name as one line of plain text, for a dialog: no line breaks, no direction controls.
  function oneLine(text) {
    return plain(text).replace(/[\s\u200e\u200f]+/g, " ").trim();
  }

  function dayOf(iso) {
    return iso.slice(0, 10);
  }

  function momentOf(iso) {
    return new Date(iso).toLocaleString(state.language === "fr" ? "fr-CA" : "en-CA", {
      dateStyle: "medium",
      timeStyle: "short",
    });
  }

  // A live region's news: set once the region is on the page, so that it is announced.
  function announce(region, text) {
    requestAnimationFrame(() => {
      region.textContent = text;
    });
  }

  function buildVettingChoices() {
    const select = $("organization-status");
    const chosen = select.options.length ? select.value : "pending";
    select.replaceChildren(
      ...["pending", "approved", "suspended"].map((status) => option(status, statusName(status))),
      option("", t("any")),
    );
    select.value = chosen;
    const role = $("issue-role");
    const issuing = role.value || "operator";
    role.replaceChildren(...["operator", "partner", "analyst", "admin"].map((code) => option(code, roleName(code))));
    role.value = issuing;
  }

  // The organizations the filters select, page 1; `more`: the next page, added. `filter`:
  // the filters to read again (after a decision), instead of those on screen.
  async function showOrganizations({ more = false, filter = null } = {}) {
    if (more && !state.vetting) return;
    const filters = more
      ? state.vetting.filter
      : filter || { status: $("organization-status").value, name: $("organization-name").value.trim() };
    const page = more ? state.vetting.page + 1 : 1;
    if (!more) state.vettingFilter = filters;
    const asked = (state.vettingAsked += 1);
    const session = state.session;
    const box = $("organizations-problem");
    box.hidden = true;
    state.vettingLoading = true; // More waits for the list it would add to
    $("organizations-more").disabled = true;
    let found;
    try {
      const query = new URLSearchParams({ page: String(page), per_page: "50" });
      for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
      found = await api(`/v1/organizations?${query}`);
    } catch (error) {
      if (asked !== state.vettingAsked || session !== state.session) return;
      state.vettingLoading = false;
      // A new list that failed: the one shown would not be what the filters ask for. A next
      // page that failed: what was shown stays, and More can be tried again.
      if (!more) state.vetting = null;
      renderOrganizations();
      box.replaceChildren(...problemParts(error.problem, { status: "organization-status", name: "organization-name" }));
      box.hidden = false;
      return;
    }
    if (asked !== state.vettingAsked || session !== state.session) return; // a later one won
    state.vettingLoading = false;
    const seen = new Set(more ? state.vetting.items.map((item) => item.id) : []);
    state.vetting = {
      filter: filters,
      page,
      items: [...(more ? state.vetting.items : []), ...found.items.filter((item) => !seen.has(item.id))],
      total: found.total,
      more: page * found.per_page < found.total,
    };
    renderOrganizations();
  }

  function renderOrganizations() {
    const vetting = state.vetting;
    const more = $("organizations-more");
    more.disabled = state.vettingLoading;
    more.hidden = !vetting?.more;
    $("organizations-status").textContent = !vetting
      ? ""
      : vetting.total ? t("organizationsShown", vetting.items.length, vetting.total) : t("noOrganizations");
    const opened = state.opened?.organization.id;
    $("organization-items").replaceChildren(
      ...(vetting?.items || []).map((organization) => {
        const open = el(
          "button",
          { type: "button", class: "link", dir: "auto", "aria-current": organization.id === opened ? "true" : null },
          plain(organization.name),
        );
        open.addEventListener("click", () => openOrganization(organization.id));
        return el(
          "li",
          { "data-id": organization.id },
          open,
          el("span", { class: `badge ${organization.status}` }, statusName(organization.status)),
          el("span", { class: "hint" }, t("registeredOn", dayOf(organization.created_at))),
        );
      }),
    );
  }

  // Every entry of a history, oldest first: it comes in pages of up to 1,000.
  async function wholeHistory(path) {
    const items = [];
    let after = null;
    for (;;) {
      const query = after === null ? "" : `?${new URLSearchParams({ after: String(after) })}`;
      const page = await api(`${path}${query}`);
      items.push(...page.items);
      if (!page.has_more || page.next_after === null) return items;
      if (after !== null && !(page.next_after > after)) {
        // A proxy that dropped the query would send the first page again and again.
        throw new ApiProblem({ status: 0, title: t("historyLoops") });
      }
      after = page.next_after;
    }
  }

  // Reads the organization and shows it. `said`: the TEXT key of what to say above it, such
  // as "approvedNow". `focus`: move to its heading (not when refreshing after an action).
  async function openOrganization(id, { said = null, focus = "heading" } = {}) {
    state.openingId = id;
    const asked = (state.openedAsked += 1);
    const session = state.session;
    let opened;
    let etag = null; // the version shown, which a decision or a deletion is made on
    try {
      const [organization, history, keys, listings] = await Promise.all([
        api(`/v1/organizations/${encodeURIComponent(id)}`, { onEtag: (value) => (etag = value) }),
        wholeHistory(`/v1/organizations/${encodeURIComponent(id)}/history`),
        api(`/v1/keys?${new URLSearchParams({ organization_id: id })}`),
        api(`/v1/services?${new URLSearchParams({ organization_id: id, per_page: "100" })}`),
      ]);
      opened = { organization, etag, history, keys: keys.items, listings, said };
    } catch (error) {
      if (asked !== state.openedAsked || session !== state.session) return;
      state.opened = null;
      state.removed = null;
      state.openedProblem = { problem: error.problem, said };
      renderOrganizations();
      renderOrganizationDetail();
      return;
    }
    if (asked !== state.openedAsked || session !== state.session) return;
    state.opened = opened;
    state.openedProblem = null;
    state.removed = null;
    // The list says the status it was read with: the line of this one is updated.
    if (state.vetting) {
      state.vetting.items = state.vetting.items.map((item) =>
        item.id === opened.organization.id ? opened.organization : item,
      );
    }
    renderOrganizations();
    renderOrganizationDetail();
    // The heading when opened; what was done, after an action, unless the focus has moved on
    // meanwhile (to the filters, say); else where it was.
    const lost = !document.activeElement || document.activeElement === document.body;
    const target = { heading: "h3", status: lost ? "[role=status]" : null }[focus];
    if (target) {
      const node = $("organization-detail").querySelector(target);
      node.focus();
      reveal(node);
    }
  }

  // After an action on organization `id`: read it again if it is still the one last asked
  // for (an answer arriving late must not take the panel back from another).
  function refreshOrganization(id, said = null, focus = null) {
    if (state.openingId !== id) return Promise.resolve();
    return openOrganization(id, { said, focus });
  }

  // A value of a history entry: a status in the words of the list, a list (the keys a
  // deleted organization held) as one line.
  function shownValue(field, value) {
    if (value === null || value === undefined || value === "") return "—";
    if (field === "status" && typeof value === "string") return statusName(value);
    if (Array.isArray(value)) return value.length ? value.map(shownValueOf).join(", ") : "—";
    return shownValueOf(value);
  }

  function shownValueOf(value) {
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function fieldLabel(field) {
    return t("historyFields")[field] || field;
  }

  function renderHistory(entries) {
    return el(
      "ol",
      { class: "history" },
      entries.map((entry) =>
        el(
          "li",
          {},
          el(
            "p",
            {},
            el("strong", {}, t("actions")[entry.action] || entry.action),
            ` · ${momentOf(entry.at)} · `,
            el(
              "span",
              { dir: "auto" },
              t(
                "by",
                plain(entry.actor_name),
                roleName(entry.actor_role),
                entry.actor_key_id ? entry.actor_key_id.slice(0, 8) : null,
              ),
            ),
          ),
          entry.changes.length
            ? el(
                "ul",
                {},
                entry.changes.map((change) =>
                  el(
                    "li",
                    { dir: "auto" },
                    plain(
                      t(
                        "labelled",
                        fieldLabel(change.field),
                        `${shownValue(change.field, change.old)} → ${shownValue(change.field, change.new)}`,
                      ),
                    ),
                  ),
                ),
              )
            : "",
          entry.note ? el("blockquote", { dir: "auto" }, plain(entry.note)) : "",
        ),
      ),
    );
  }

  // What the organization lists, to vet it by: where is the town and province only, and a
  // confidential address says so without its street (this screen may be a shared one).
  function renderOrganizationListings(listings, organizationId) {
    if (!listings.items.length) return el("p", { class: "hint" }, t("noOrganizationListings"));
    const more = listings.total - listings.items.length;
    return el(
      "div",
      {},
      el(
        "ul",
        { class: "organization-listings" },
        listings.items.map((listing) => {
          const places = listing.locations.map((location) =>
            [location.municipality, location.province].filter(Boolean).join(", ") +
            (location.confidential ? ` (${t("confidentialArea")})` : ""),
          );
          const facts = [
            listing.categories.map(label).join(", "),
            ...new Set(places),
            listing.capacity.beds_total ? t("bedsTotal", listing.capacity.beds_total) : null,
            listing.last_verified_at ? t("verified", ageText(listing.last_verified_at)) : t("neverVerified"),
          ].filter(Boolean);
          return el(
            "li",
            { "data-id": listing.id },
            el("strong", { dir: "auto" }, plain(listing.name)),
            el("span", { class: "hint", dir: "auto" }, plain(` · ${facts.join(" · ")}`)),
          );
        }),
      ),
      more > 0 ? el("p", { class: "hint" }, t("moreListings", more, organizationId)) : "",
    );
  }

  function renderOrganizationDetail() {
    const detail = $("organization-detail");
    const opened = state.opened;
    if (!opened) {
      delete detail.dataset.id;
      const failed = state.openedProblem;
      const removed = state.removed;
      // Deleted from this panel: said where it was, with where its history is still read.
      const gone = removed
        ? el("p", { class: "hint saved", role: "status", tabindex: "-1", "data-focus": "status" })
        : "";
      detail.replaceChildren(
        gone,
        removed ? el("p", { class: "hint" }, t("deletedHistory", removed.id)) : "",
        failed?.said ? el("p", { class: "hint saved" }, t(failed.said)) : "",
        failed ? el("div", { class: "problem", role: "alert" }, ...problemParts(failed.problem, {})) : "",
      );
      detail.hidden = !failed && !removed;
      if (removed && !removed.announced) {
        removed.announced = true;
        announce(gone, t("deletedNow", oneLine(removed.name)));
      } else if (removed) {
        gone.textContent = t("deletedNow", oneLine(removed.name)); // drawn again: shown, not said again
      }
      return;
    }
    const organization = opened.organization;
    // What was typed and not yet sent stays when this organization is drawn again (another
    // language, a refresh), and never follows the panel to another organization.
    const same = detail.dataset.id === organization.id;
    const typedNote = same ? $("decision-note")?.value || "" : "";
    const typedName = same ? $("provider-key-name")?.value || "" : "";
    const active = document.activeElement;
    const focused = same && detail.contains(active) ? active.id || active.dataset.focus || "" : "";
    const facts = [
      [t("organizationStatusLabel"), statusName(organization.status)],
      [t("description"), organization.description],
      [t("website"), organization.website],
      [t("email"), organization.email],
      [t("phone"), organization.phone],
      [t("registered"), dayOf(organization.created_at)],
    ].filter(([, value]) => value);

    // An approved organization may be vetted again (a note, the status unchanged).
    const decisions = organization.status === "suspended" ? ["approve"] : ["approve", "suspend"];
    const note = el("textarea", { id: "decision-note", rows: "2", maxlength: "2000", "aria-describedby": "decision-hint", dir: "auto" });
    note.value = typedNote;
    const decide = el(
      "form",
      { class: "decision", novalidate: true, "data-action": `decide:${organization.id}` },
      el(
        "div",
        { class: "field" },
        el("label", { for: "decision-note" }, t("decisionNote")),
        note,
        el("p", { id: "decision-hint", class: "hint" }, t("noteHint")),
      ),
      el(
        "div",
        { class: "actions" },
        decisions.map((action) =>
          el(
            "button",
            { type: "submit", value: action, class: action === "approve" ? "primary" : "danger", "data-focus": `decide-${action}` },
            t(action === "approve" && organization.status === "approved" ? "approveAgain" : action),
          ),
        ),
      ),
    );
    decide.addEventListener("submit", (event) => {
      event.preventDefault();
      // Enter in the note submits with no button: nothing is decided without one pressed.
      if (event.submitter?.value) decideOrganization(organization, event.submitter.value, decide, opened.etag);
    });

    // For one registered by mistake or closed for good; the server refuses it while the
    // organization has listings (409). Marked as a decision is: never out beside one.
    const removal = el(
      "form",
      { class: "removal", novalidate: true, "data-action": `decide:${organization.id}` },
      el(
        "div",
        { class: "actions" },
        el(
          "button",
          { type: "submit", class: "danger", "aria-describedby": "delete-hint", "data-focus": "delete" },
          t("deleteOrganization"),
        ),
      ),
      el("p", { id: "delete-hint", class: "hint" }, t("deleteHint")),
    );
    removal.addEventListener("submit", (event) => {
      event.preventDefault();
      deleteOrganization(organization, removal, opened.etag);
    });

    const keyName = el("input", { id: "provider-key-name", type: "text", maxlength: "200", dir: "auto" });
    keyName.value = typedName;
    const issue = el(
      "form",
      { class: "issue", novalidate: true, "data-action": "issue", "data-form": `issue:${organization.id}` },
      el("div", { class: "field" }, el("label", { for: "provider-key-name" }, t("providerKeyName")), keyName),
      el("div", { class: "actions" }, el("button", { type: "submit", "data-focus": "issue" }, t("issueProviderKey"))),
    );
    issue.addEventListener("submit", (event) => {
      event.preventDefault();
      issueKey(
        { role: "provider", name: keyName.value, organization_id: organization.id },
        organization.name,
        issue,
        { name: "provider-key-name" },
        () => refreshOrganization(organization.id),
      );
    });

    const status = el("p", { class: "hint saved", role: "status", tabindex: "-1", "data-focus": "status" });
    detail.dataset.id = organization.id;
    detail.replaceChildren(
      el("h3", { tabindex: "-1", dir: "auto", "data-focus": "heading" }, plain(organization.name)),
      status,
      HAS_DIRECTION_CONTROL.test(organization.name) ? el("p", { class: "problem" }, t("directionControls")) : "",
      el(
        "dl",
        { class: "facts" },
        facts.flatMap(([name, value]) => [el("dt", {}, name), el("dd", { dir: "auto" }, plain(value))]),
      ),
      decide,
      removal,
      el("h4", {}, t("organizationListings", opened.listings.total)),
      renderOrganizationListings(opened.listings, organization.id),
      el("h4", { id: "organization-keys-heading", tabindex: "-1" }, t("organizationKeys")),
      keyTable(opened.keys, () => refreshOrganization(organization.id), "organization-keys-heading"),
      issue,
      el("h4", {}, t("history")),
      renderHistory(opened.history),
    );
    detail.hidden = false;
    if (opened.said && !opened.announced) {
      opened.announced = true;
      announce(status, t(opened.said));
    } else if (opened.said) {
      status.textContent = t(opened.said); // drawn again: shown, not said again
    }
    if (focused) (detail.querySelector(`[data-focus="${CSS.escape(focused)}"]`) || $(focused))?.focus();
    syncBusy();
  }

  async function decideOrganization(organization, action, form, etag) {
    formProblem(form, null);
    $("decision-problem").hidden = true;
    const note = $("decision-note");
    const text = note.value.trim();
    if (!text) {
      formProblem(form, { title: t("noteRequired"), errors: [] });
      note.setAttribute("aria-invalid", "true");
      note.focus();
      return;
    }
    if (action === "suspend" && !window.confirm(t("confirmSuspend", oneLine(organization.name)))) return;
    if (
      action === "approve" &&
      organization.status === "suspended" &&
      !window.confirm(t("confirmApproveSuspended", oneLine(organization.name)))
    ) {
      return;
    }
    const session = state.session;
    const again = action === "approve" && organization.status === "approved";
    try {
      await busy(`decide:${organization.id}`, () =>
        api(`/v1/organizations/${encodeURIComponent(organization.id)}/${action}`, {
          method: "POST",
          // The status decided on: another by now (a decision came first) is a 409; the
          // organization as shown: changed since (its phone, its website) is a 412.
          body: { note: text, expected_status: organization.status },
          ifMatch: etag,
        }),
      );
    } catch (error) {
      if (session !== state.session) return;
      // Decided or changed meanwhile by someone else (409, 412): drawn as it is now, then
      // told why, so that the decision is made again on what it is.
      if (error.problem.status === 409 || error.problem.status === 412) await refreshOrganization(organization.id);
      if (session !== state.session) return;
      const detail = $("organization-detail");
      const current = detail.querySelector("form.decision");
      if (state.openingId === organization.id && detail.dataset.id === organization.id && current) {
        formProblem(current, error.problem, { note: "decision-note" });
      } else {
        // Another organization is open, or opening: said in a box of its own, naming this
        // one, which stays until the next decision.
        const box = $("decision-problem");
        box.replaceChildren(
          ...problemParts({ ...error.problem, title: t("decisionFailed", oneLine(organization.name)) }, {}),
        );
        box.hidden = false;
      }
      return;
    }
    if (session !== state.session) return;
    // Recorded: the note is not sent again with the next decision (unless changed meanwhile).
    const current = $("organization-detail").dataset.id === organization.id ? $("decision-note") : null;
    if (current && current.value.trim() === text) current.value = "";
    // The status changed: the list last asked for read again, so that its pages stay whole.
    if (state.vettingFilter) showOrganizations({ filter: state.vettingFilter });
    const said = again ? "approvedAgainNow" : action === "approve" ? "approvedNow" : "suspendedNow";
    await refreshOrganization(organization.id, said, "status");
  }

  // Deletes `organization` once confirmed: gone from the list and the panel, said in its
  // place. Refused (a 409 while it has listings, with the server's reason): said under the
  // button, or above the list if another organization is open by then; nothing changes.
  async function deleteOrganization(organization, form, etag) {
    const id = organization.id;
    formProblem(form, null);
    $("decision-problem").hidden = true;
    if (!window.confirm(t("confirmDelete", oneLine(organization.name)))) return;
    const session = state.session;
    try {
      // Only the organization as shown: approved, or changed, since it was read, it is
      // drawn again (412) rather than deleted unseen (a review). (A key issued meanwhile
      // changes no field of it: the keys' table, read with it, is what shows those.)
      await busy(`decide:${id}`, () =>
        api(`/v1/organizations/${encodeURIComponent(id)}`, { method: "DELETE", ifMatch: etag }),
      );
    } catch (error) {
      if (session !== state.session) return;
      if (error.problem.status === 412) await refreshOrganization(id);
      if (session !== state.session) return;
      const detail = $("organization-detail");
      const current = detail.querySelector("form.removal");
      if (state.openingId === id && detail.dataset.id === id && current) {
        formProblem(current, error.problem);
      } else {
        const box = $("decision-problem");
        box.replaceChildren(
          ...problemParts({ ...error.problem, title: t("deleteFailed", oneLine(organization.name)) }, {}),
        );
        box.hidden = false;
      }
      return;
    }
    if (session !== state.session) return;
    if (state.vetting) {
      const kept = state.vetting.items.filter((item) => item.id !== id);
      state.vetting.total -= state.vetting.items.length - kept.length;
      state.vetting.items = kept;
    }
    // The panel is said to be its, unless another organization was opened meanwhile.
    const here = state.openingId === id;
    if (here) {
      state.openingId = null;
      state.openedAsked += 1; // a reading of it still on its way would find it gone
      state.opened = null;
      state.openedProblem = null;
      state.removed = { id, name: organization.name };
    }
    renderOrganizations();
    renderOrganizationDetail();
    // The button pressed is gone: what was done, if the focus went with it.
    const lost = !document.activeElement || document.activeElement === document.body;
    if (here && lost) $("organization-detail").querySelector("[role=status]")?.focus();
    // The list last asked for read again, so that its pages stay whole.
    if (state.vettingFilter) showOrganizations({ filter: state.vettingFilter });
  }

  // Keys as a table; `afterRevoke` reads them again, then focus goes to `headingId`.
  function keyTable(keys, afterRevoke, headingId) {
    if (!keys.length) return el("p", { class: "hint" }, t("noKeys"));
    const rows = keys.map((key) => {
      let standing;
      if (key.revoked_at) {
        standing = el("span", { class: "hint" }, t("revokedOn", dayOf(key.revoked_at), plain(key.revoked_by)));
      }
      else if (key.id === state.keyId) standing = el("span", { class: "hint" }, t("thisKey"));
      else {
        standing = el(
          "button",
          {
            type: "button",
            class: "danger",
            "aria-label": t("revokeNamed", plain(key.name)),
            "data-action": `revoke:${key.id}`,
            "data-focus": `revoke-${key.id}`,
          },
          t("revoke"),
        );
        standing.addEventListener("click", () => revokeKey(key, standing, afterRevoke, headingId));
        if (key.organization_status === "suspended") {
          // Not revoked, but refused (403) until the organization is approved again.
          standing = el("span", {}, el("span", { class: "hint refused" }, t("refusedSuspended")), " ", standing);
        }
      }
      return el(
        "tr",
        { "data-id": key.id, class: key.revoked_at ? "revoked" : null },
        el("td", { dir: "auto" }, plain(key.name)),
        el("td", {}, roleName(key.role)),
        el("td", {}, el("code", {}, `${key.prefix}…`)),
        el("td", { dir: "auto" }, t("issuedOn", dayOf(key.created_at), plain(key.issued_by))),
        el("td", {}, key.last_used_at ? ageText(key.last_used_at) : t("neverUsed")),
        el(
          "td",
          { class: "count" },
          key.rate_limit_per_minute === null || key.rate_limit_per_minute === undefined
            ? el("span", { class: "hint" }, t("servicesLimit"))
            : key.rate_limit_per_minute === 0
              ? t("noLimit")
              : key.rate_limit_per_minute.toLocaleString(state.language),
        ),
        el("td", {}, standing),
      );
    });
    return el(
      "div",
      { class: "table-scroll" }, // on a phone the table scrolls, not the page
      el(
        "table",
        { class: "keys" },
        el("thead", {}, el("tr", {}, t("keyColumns").map((text) => el("th", { scope: "col" }, text)))),
        el("tbody", {}, rows),
      ),
    );
  }

  async function revokeKey(key, button, after, headingId) {
    if (!window.confirm(t("confirmRevoke", oneLine(key.name)))) return;
    const session = state.session;
    try {
      await busy(`revoke:${key.id}`, () => api(`/v1/keys/${encodeURIComponent(key.id)}`, { method: "DELETE" }));
    } catch (error) {
      if (session !== state.session) return;
      if (error.problem.status === 404) {
        await after(); // gone meanwhile: the table says how it stands now
        return;
      }
      // The table may have been drawn again meanwhile: the key's cell as it is now.
      const cell = document.querySelector(`tr[data-id="${CSS.escape(key.id)}"] td:last-child`) || button.closest("td");
      cell.querySelector(".problem")?.remove();
      cell.append(el("div", { class: "problem", role: "alert" }, ...problemParts(error.problem, {})));
      return;
    }
    if (session !== state.session) return;
    await after();
    // The button pressed is gone: the table's heading, if the focus went with it.
    if (!document.activeElement || document.activeElement === document.body) $(headingId)?.focus();
  }

  // Every issue form is one action: two keys in flight would put two secrets in one box.
  async function issueKey(body, organizationName, form, controls, after) {
    const action = "issue";
    // The form as it is drawn when the answer comes (a change of language draws it anew).
    const formNow = () => document.querySelector(`form[data-form="${CSS.escape(form.dataset.form)}"]`);
    formProblem(form, null);
    if (!$("secret").hidden) {
      // One secret on screen at a time: a second would replace one not yet copied.
      formProblem(form, { title: t("secretPending"), errors: [] });
      $("secret-value").focus();
      return;
    }
    const session = state.session;
    let issued;
    try {
      issued = await busy(action, () => api("/v1/keys", { method: "POST", body }));
    } catch (error) {
      if (session !== state.session) return;
      const current = formNow();
      if (current) formProblem(current, error.problem, controls);
      return;
    }
    if (session !== state.session) return;
    formNow()?.reset();
    showSecret(issued, organizationName, Object.values(controls)[0]);
    await after(); // (which leaves the focus in the secret's field)
  }

  // The new key's secret, in one place above everything until Done or sign-out: never
  // stored, never in a list that is drawn again. `returnTo`: the field to go back to.
  function showSecret(issued, organization, returnTo) {
    state.secretOf = { name: issued.name, role: issued.role, organization, returnTo };
    renderSecretOf();
    $("secret-value").value = issued.key;
    $("secret-copy").textContent = t("copy");
    $("secret").hidden = false;
    $("secret-value").focus();
    $("secret-value").select();
    reveal($("secret"));
  }

  function renderSecretOf() {
    const of = state.secretOf;
    $("secret-for").textContent = of ? t("secretFor", plain(of.name), roleName(of.role), plain(of.organization)) : "";
  }

  function hideSecret() {
    const returnTo = state.secretOf?.returnTo;
    state.secretOf = null;
    $("secret-value").value = "";
    renderSecretOf();
    $("secret").hidden = true;
    return returnTo;
  }

  async function copySecret() {
    const input = $("secret-value");
    input.focus();
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      $("secret-copy").textContent = t("copied");
    } catch {
      // No clipboard (a page served over plain HTTP): the key stays selected to copy by hand.
    }
  }

  async function loadKeys() {
    const box = $("keys-problem");
    box.hidden = true;
    const asked = (state.keysAsked += 1);
    const session = state.session;
    let keys;
    try {
      keys = (await api("/v1/keys")).items;
    } catch (error) {
      if (asked !== state.keysAsked || session !== state.session) return;
      state.keys = null;
      renderKeys();
      box.replaceChildren(...problemParts(error.problem, {}));
      box.hidden = false;
      return;
    }
    if (asked !== state.keysAsked || session !== state.session) return; // a later one won
    state.keys = keys.filter((key) => key.role !== "provider");
    renderKeys();
  }

  function renderKeys() {
    $("key-table").replaceChildren(state.keys ? keyTable(state.keys, loadKeys, "keys-heading") : "");
    syncBusy();
  }

  async function registerOrganization(event) {
    event.preventDefault();
    const form = $("register-form");
    formProblem(form, null);
    const body = { name: $("register-name").value, description: $("register-description").value };
    for (const field of ["website", "email", "phone"]) {
      const value = $(`register-${field}`).value.trim();
      if (value) body[field] = value;
    }
    const session = state.session;
    let created;
    try {
      created = await busy("register", () => api("/v1/organizations", { method: "POST", body }));
    } catch (error) {
      if (session === state.session) formProblem(form, error.problem, REGISTER_CONTROLS);
      return;
    }
    if (session !== state.session) return;
    form.reset();
    $("register").open = false;
    if (state.vettingFilter) showOrganizations({ filter: state.vettingFilter });
    await openOrganization(created.id, { said: "registeredNow" });
  }

  function resetAdministration() {
    state.vetting = null;
    state.vettingAsked += 1;
    state.opened = null;
    state.openedProblem = null;
    state.openedAsked += 1;
    state.keys = null;
    state.keysAsked += 1;
    state.openingId = null;
    state.removed = null;
    state.vettingFilter = null;
    state.vettingLoading = false;
    $("decision-problem").hidden = true;
    state.busy = new Set(); // a request still out belongs to the key forgotten
    hideSecret();
    $("organization-filters").reset();
    $("organization-status").replaceChildren();
    $("organizations-problem").hidden = true;
    $("keys-problem").hidden = true;
    $("register-form").reset();
    formProblem($("register-form"), null);
    formProblem($("key-issue"), null);
    $("key-issue").reset();
    $("register").open = false;
    renderOrganizations();
    renderOrganizationDetail();
    renderKeys();
  }

  // ---- the unmet-need report (analysts) ----------------------------------------------

  const REPORT_COLUMNS = [
    "month", "province", "area_type", "need", "urgent", "asked", "none_near", "unmet", "no_bed_tonight",
  ];

  function option(value, text) {
    return el("option", { value }, text);
  }

  function buildReportChoices() {
    const taxonomy = state.taxonomy;
    const keep = (id) => $(id).value;
    const fill = (id, options, any = "any") => {
      const was = keep(id);
      $(id).replaceChildren(option("", t(any)), ...options);
      $(id).value = was;
    };
    fill("report-province", taxonomy.provinces.map((term) => option(term.code, term[state.language])), "anyFeminine");
    fill("report-area", taxonomy.area_types.map((term) => option(term.code, term[state.language])));
    fill(
      "report-need",
      taxonomy.needs.map((need) =>
        el(
          "optgroup",
          { label: need[state.language] },
          option(need.code, need[state.language]),
          taxonomy.categories
            .filter((category) => category.need === need.code)
            .map((category) => option(category.code, category[state.language])),
        ),
      ),
    );
    const urgency = $("report-urgent").value;
    $("report-urgent").replaceChildren(
      option("", t("anyFeminine")),
      option("true", t("urgentOnly")),
      option("false", t("notUrgent")),
    );
    $("report-urgent").value = urgency;
  }

  function reportFilters() {
    const filters = {
      month_from: $("month-from").value,
      month_to: $("month-to").value,
      province: $("report-province").value,
      area_type: $("report-area").value,
      need: $("report-need").value,
      urgent: $("report-urgent").value,
    };
    return Object.fromEntries(Object.entries(filters).filter(([, value]) => value));
  }

  async function fetchReport(filters, page, perPage) {
    const query = new URLSearchParams({ ...filters, page: String(page), per_page: String(perPage) });
    return api(`/v1/reports/unmet-needs?${query}`);
  }

  // Which report filter each query parameter of a problem's `loc` points to.
  const REPORT_CONTROLS = {
    month_from: "month-from",
    month_to: "month-to",
    province: "report-province",
    area_type: "report-area",
    need: "report-need",
    urgent: "report-urgent",
  };

  function showReportProblem(problem) {
    const box = $("report-problem");
    if (!problem) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    box.replaceChildren(...problemParts(problem, REPORT_CONTROLS));
    box.hidden = false;
  }

  function resetReport() {
    state.report = null;
    state.reportAsked += 1;
    showReportProblem(null);
    $("report-table").replaceChildren();
    $("report-status").textContent = "";
    $("report-note").textContent = "";
    $("report-more").hidden = true;
    setReportBusy(false);
  }

  function setReportBusy(busy) {
    for (const id of ["report-show", "report-more", "report-csv"]) $(id).disabled = busy;
  }

  async function showReport(more = false) {
    if (more && !state.report) return;
    const filters = more ? state.report.filters : reportFilters();
    const page = more ? state.report.page + 1 : 1;
    const asked = (state.reportAsked += 1);
    const session = state.session;
    showReportProblem(null);
    setReportBusy(true);
    let found;
    try {
      found = await fetchReport(filters, page, 50);
    } catch (error) {
      if (asked !== state.reportAsked || session !== state.session) return;
      // The table shown would belong to other filters than those on screen: gone.
      resetReport();
      showReportProblem(error.problem);
      return;
    }
    if (asked !== state.reportAsked || session !== state.session) return; // a later request won
    setReportBusy(false);
    const items = more ? [...state.report.items, ...found.items] : found.items;
    state.report = {
      filters,
      page,
      items,
      more: page * found.per_page < found.total,
      through: found.through,
      total: found.total,
      smallest: found.smallest_shown,
    };
    renderReport();
  }

  function countCell(count, asked) {
    if (count === null) return el("td", { class: "count withheld" }, t("withheld"));
    const share = asked ? ` (${Math.round((100 * count) / asked)}%)` : "";
    return el("td", { class: "count" }, `${count.toLocaleString(state.language)}${share}`);
  }

  function renderReport() {
    const report = state.report;
    if (!report) return;
    const beds = report.items.some((cell) => cell.urgent);
    const headings = [t("month"), t("where"), t("need"), t("asked"), t("noneNear"), t("unmetCount")];
    if (beds) headings.push(t("noBedTonight"));
    const rows = report.items.map((cell) =>
      el(
        "tr",
        {},
        el("td", {}, cell.month),
        el("td", {}, `${cell.province} · ${label(cell.area_type)}`),
        el(
          "td",
          {},
          label(cell.need),
          cell.urgent ? el("span", { class: "urgent" }, ` · ${t("urgentCell")}`) : "",
        ),
        countCell(cell.asked, 0),
        countCell(cell.none_near, cell.asked),
        countCell(cell.unmet, cell.asked),
        beds ? (cell.urgent ? countCell(cell.no_bed_tonight, cell.asked) : el("td", { class: "count" }, "–")) : "",
      ),
    );
    $("report-table").replaceChildren(
      report.items.length
        ? el(
            "table",
            {},
            el("thead", {}, el("tr", {}, headings.map((text, index) => el("th", { class: index > 2 ? "count" : null, scope: "col" }, text)))),
            el("tbody", {}, rows),
          )
        : "",
    );
    $("report-status").textContent = report.items.length
      ? t("reportThrough", report.through, report.items.length, report.total)
      : t("reportNothing", report.through);
    $("report-more").hidden = !report.more;
    $("report-note").textContent = t("reportNote", report.smallest);
  }

  function csvField(value) {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  }

  async function downloadReport() {
    const filters = reportFilters();
    const session = state.session;
    showReportProblem(null);
    setReportBusy(true);
    let cells;
    try {
      cells = await everyPage("/v1/reports/unmet-needs", filters, 200);
    } catch (error) {
      if (session === state.session) showReportProblem(error.problem);
      return;
    } finally {
      if (session === state.session) setReportBusy(false);
    }
    if (session !== state.session) return;
    const lines = [REPORT_COLUMNS, ...cells.map((cell) => REPORT_COLUMNS.map((name) => csvField(cell[name])))];
    const link = el("a", {
      href: URL.createObjectURL(new Blob([`${lines.map((line) => line.join(",")).join("\n")}\n`], { type: "text/csv" })),
      download: "unmet-needs.csv",
    });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  // ---- problems (RFC 9457) ------------------------------------------------------------

  // The server's location problems, known by words of each (English, then French). It names
  // its API's fields ("send location.postal_prefix, or latitude and longitude"); the operator
  // is told what to type in the Near field instead. "no such place known in that province"
  // is looked for before "no such place known"; a message not recognised is shown as it is.
  const LOCATION_KINDS = [
    ["shared_in_province", ["several places of that province", "plusieurs lieux de cette"]],
    ["unknown_in_province", ["no such place known in that", "aucun lieu de ce nom dans"]],
    ["ambiguous", ["several places bear this name", "plusieurs lieux portent ce nom"]],
    ["unknown_place", ["no such place known", "aucun lieu de ce nom"]],
    ["wide_prefix", ["region too wide", "région trop vaste"]],
    ["outside_canada", ["outside Canada", "hors du Canada"]],
    // Coordinates out of the ranges of Canada's (a minus sign forgotten, the two swapped): the
    // bounds alone ("must be at most -52.5") told an operator nothing (a review).
    ["coordinates", ["less than or equal", "greater than or equal", "au plus", "au moins"]],
  ];
  const LOCATION_FIELDS = new Set(["place", "postal_prefix", "latitude", "longitude"]);

  function locationKind(error) {
    const names = (error.loc || []).filter((part) => part !== "body");
    if (names.length !== 2 || names[0] !== "location" || !LOCATION_FIELDS.has(names[1])) return null;
    const found = LOCATION_KINDS.find(([, words]) => words.some((word) => (error.msg || "").includes(word)));
    if (found && found[0] === "coordinates" && names[1] !== "latitude" && names[1] !== "longitude") return null;
    return found ? found[0] : null;
  }

  const EXPANSIONS = { st: "saint", ste: "sainte", mt: "mount", ft: "fort" };

  // A place name as the server compares names: without case, accents or apostrophes, other
  // punctuation as spaces, St/Ste/Mt/Ft written out ("St. John's" is "saint johns").
  const PLAIN_LETTERS = { ı: "i", ł: "l", ø: "o", đ: "d", ð: "d", ħ: "h", ŧ: "t", æ: "ae", œ: "oe", þ: "th" };

  function folded(name) {
    return name
      .toLowerCase()
      .replace(/[ıłøđðħŧæœþ]/g, (letter) => PLAIN_LETTERS[letter])
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .replace(/['`\u2019\u02bc]/g, "")
      .replace(/&/g, " and ")
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim()
      .split(" ")
      .map((word) => EXPANSIONS[word] || word)
      .join(" ");
  }

  // The places that bear the name typed, most populous first, for the operator to pick one
  // by its province; none when they cannot be read, and the message says to add the province.
  // The name goes to /v1/places, as the suggestions do, and is shown on this screen only.
  async function placesNamed(name) {
    let found;
    try {
      found = await api(`/v1/places?q=${encodeURIComponent(name)}&limit=50`);
    } catch {
      return [];
    }
    // The search gives names that start with the one typed ("Rockland Lake"): only that name.
    const wanted = folded(name);
    return found.items.filter((place) => folded(place.name) === wanted);
  }

  function placeChoice(place, candidates) {
    const button = el("button", { type: "button", class: "link place-choice" }, place.label);
    button.addEventListener("click", () => {
      // Two places of one label (Westmount, NS) are told apart by their point, as a suggestion is.
      const shared = candidates.filter((other) => other.label === place.label).length > 1;
      state.chosenPlace = shared ? place : null;
      $("near").value = place.label;
      $("near").removeAttribute("aria-invalid");
      $("near").focus();
      // Picked: searched for at once, as Enter would (the problem it answers goes with it).
      $("profile").requestSubmit();
    });
    return button;
  }

  // One error of a problem, under its field's label; a location problem in the Near field's
  // words, and a name several places bear with those places to pick from.
  function onceEach(lines) {
    const seen = new Set();
    return lines.filter((line) => {
      const key = typeof line === "string" ? line : null;
      if (key === null) return true;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  function errorLine(error, candidates) {
    const field = fieldName(error.loc);
    const kind = locationKind(error);
    if (kind === "ambiguous" && candidates.length > 1) {
      return [
        `${t("fieldError", field, t("placesNamed"))} `,
        ...candidates.flatMap((place, index) => [index ? " " : "", placeChoice(place, candidates)]),
        ` ${t("pickProvince")}`,
      ];
    }
    return t("fieldError", field, kind ? t("place")[kind] : error.msg);
  }

  function controlFor(loc) {
    const field = (loc || []).find((part) => part !== "body" && part !== "query");
    return CONTROLS[field] ? $(CONTROLS[field]) : null;
  }

  function fieldName(loc) {
    const control = controlFor(loc);
    if (control) {
      const caption = control.tagName === "FIELDSET" ? control.querySelector("legend") : control.labels?.[0];
      if (caption) return caption.textContent.trim();
    }
    return (loc || []).filter((part) => part !== "body").join(".");
  }

  // The match form's problem: `local`, what the form lacks (keys of TEXT, said in the
  // language of the moment), or the server's `problem` to a search made in `language`, with
  // the places a name several bear (`candidates`), kept as it was said.
  // After a refused search, the first field in error takes the focus, to be corrected at
  // once, unless the operator has moved on from the form meanwhile.
  function focusInvalid() {
    const active = document.activeElement;
    if (active && active !== document.body && !$("profile").contains(active)) return;
    $("profile").querySelector("[aria-invalid=true]")?.focus();
  }

  function showProblem(shown) {
    state.problem = shown;
    renderProblem();
    renderStatus();
    if (shown) reveal($("problem"));
  }

  function renderProblem() {
    const box = $("problem");
    for (const marked of document.querySelectorAll("[aria-invalid=true]")) marked.removeAttribute("aria-invalid");
    const shown = state.problem;
    if (!shown) {
      box.hidden = true;
      box.replaceChildren();
      box.removeAttribute("lang");
      return;
    }
    const problem = shown.local
      ? { title: t("checkForm"), errors: shown.local.map((error) => ({ loc: error.loc, msg: t(error.key) })) }
      : shown.problem;
    const candidates = shown.candidates || [];
    const errors = problem.errors || [];
    for (const error of errors) controlFor(error.loc)?.setAttribute("aria-invalid", "true");
    box.replaceChildren(
      el("strong", {}, problem.title),
      !errors.length && problem.detail ? el("p", {}, problem.detail) : "",
      // (each line once: a latitude and a longitude both out of Canada's ranges say one thing)
      errors.length ? el("ul", {}, onceEach(errors.map((error) => errorLine(error, candidates))).map((line) => el("li", {}, line))) : "",
      problem.status >= 500 && problem.request_id ? el("p", { class: "hint" }, t("labelled", t("requestId"), problem.request_id)) : "",
    );
    box.lang = shown.language || state.language;
    box.hidden = false;
  }

  // Brings what the operator must read now into view: scrolled past, above the window, or
  // below it, as a phone shows the results under the form. Left where it is while its top
  // and a third of the window of it (all of a smaller box) show.
  function reveal(node) {
    const box = node.getBoundingClientRect();
    const enough = Math.min(box.height, window.innerHeight / 3);
    if (box.top >= 0 && box.top + enough <= window.innerHeight) return;
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    node.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
  }

  // ---- language -----------------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = state.language;
    document.title = t("title");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    if (state.searching) $("find").textContent = t("searching"); // a search on its way
    const toggle = $("language");
    toggle.textContent = t("otherLanguage");
    toggle.lang = state.language === "en" ? "fr" : "en";
    if (state.taxonomy) buildChoices();
    if (state.taxonomy && !$("report").hidden) buildReportChoices();
    if (state.taxonomy && !$("vetting").hidden) buildVettingChoices();
    renderAnswer(); // and the status line, and a notice if the answer is in the other language
    if (state.problem?.local) renderProblem(); // the server's stays as it was said
    renderReport();
    renderListings();
    renderOrganizations();
    renderOrganizationDetail();
    renderKeys();
    renderSecretOf();
  }

  function toggleLanguage() {
    state.language = state.language === "en" ? "fr" : "en";
    sessionStorage.setItem(LANGUAGE_STORE, state.language);
    applyLanguage();
  }

  // ---- start --------------------------------------------------------------------------

  function start() {
    const preferred = sessionStorage.getItem(LANGUAGE_STORE) || navigator.language || "en";
    state.language = preferred.toLowerCase().startsWith("fr") ? "fr" : "en";
    applyLanguage();
    $("language").addEventListener("click", toggleLanguage);
    $("forget-key").addEventListener("click", () => signOut(null));
    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const key = typedKey($("key").value);
      if (key === null) showKeyProblem(t("keyCharacters"));
      else if (key) signIn(key);
    });
    $("profile").addEventListener("submit", onSubmit);
    // Enter searches from any field, a list (gender, status) too, which browsers leave alone.
    $("profile").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target instanceof HTMLSelectElement) {
        event.preventDefault();
        $("profile").requestSubmit();
      }
    });
    $("report-filters").addEventListener("submit", (event) => {
      event.preventDefault();
      showReport();
    });
    $("report-more").addEventListener("click", () => showReport(true));
    $("report-csv").addEventListener("click", downloadReport);
    $("organization-filters").addEventListener("submit", (event) => {
      event.preventDefault();
      showOrganizations();
    });
    $("organizations-more").addEventListener("click", () => showOrganizations({ more: true }));
    $("register-form").addEventListener("submit", registerOrganization);
    $("key-issue").addEventListener("submit", (event) => {
      event.preventDefault();
      const limit = $("issue-limit").value.trim();
      issueKey(
        {
          role: $("issue-role").value,
          name: $("issue-name").value,
          // Sent as typed: the server says what is wrong with it, naming the field (a whole
          // number as one, so that -1 is told "0 or more", not "a valid integer").
          ...(limit ? { rate_limit_per_minute: /^-?\d+$/.test(limit) ? Number(limit) : limit } : {}),
        },
        null,
        $("key-issue"),
        { name: "issue-name", role: "issue-role", rate_limit_per_minute: "issue-limit" },
        loadKeys,
      );
    });
    $("secret-copy").addEventListener("click", copySecret);
    $("secret-done").addEventListener("click", () => {
      const returnTo = hideSecret();
      ($(returnTo || "") || $("forget-key")).focus();
    });
    $("clear").addEventListener("click", () => {
      clearAll();
      $("near").focus();
    });
    $("need-list").addEventListener("change", onNeedChange);
    $("near").addEventListener("input", onNearInput);
    $("near").addEventListener("keydown", onNearKey);
    $("near").addEventListener("blur", () => setTimeout(closePlaces, 150));
    $("near-options").addEventListener("mousedown", (event) => {
      const option = event.target.closest("[role=option]");
      if (!option) return;
      event.preventDefault();
      choosePlace(Number(option.dataset.index));
    });
    const key = sessionStorage.getItem(KEY_STORE);
    if (key) signIn(key);
    else $("key").focus();
  }

  start();
})();
